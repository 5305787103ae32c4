import CRMDomain
import CRMJSON
import CRMPostgres

/// One batch of a training run: draws the next pairs of its phase, compares them (the accounts'
/// sealed fields opened in crmd, as ingest does) and adds their patterns to the run's sample.
struct TrainingBatch {
    let c: PostgresConnection
    let codec: PersonalDataCodec
    let policy: IdentityPolicy
    var job: IdentityJob
    private var sample: TrainingSample

    init(c: PostgresConnection, codec: PersonalDataCodec, policy: IdentityPolicy, job: IdentityJob) throws {
        self.c = c
        self.codec = codec
        self.policy = policy
        self.job = job
        sample = try Self.sample(of: job)
    }

    /// The sample a run has drawn so far.
    static func sample(of job: IdentityJob) throws -> TrainingSample {
        guard let json = job.state["sample"]?.objectValue else { preconditionFailure("training \(job.id) keeps no sample") }
        return try TrainingSample(json: json)
    }

    /// Does the phase's next batch of `limit` units (a tenth of it in sampled accounts, each of which
    /// brings its candidates) and moves the run on.
    mutating func run(limit: Int) throws {
        switch job.phase {
        case "random": try random(limit)
        case "blocked": try blocked(max(1, limit / 10))
        case "known": try known(limit)
        default: return
        }
        job.state["sample"] = .object(sample.json)
    }

    /// The next random pairs: two draws each, pairs of an account with itself left out.
    mutating func random(_ limit: Int) throws {
        let wanted = job.params["pairs"]?.int64Value ?? 0
        let n = min(Int64(limit), wanted - job.cursor)
        let draws = TrainingDraws(seed: job.seed ?? 0, params: job.params)
        let points = (job.cursor..<job.cursor + n).flatMap { [draws.point(.randomPair, 2 * $0), draws.point(.randomPair, 2 * $0 + 1)] }
        let ids = try TrainingDraws.accounts(c, at: points)
        let fields = try load(Array(Set(ids.compactMap { $0 })))
        var drawn: Int64 = 0
        for i in stride(from: 0, to: ids.count, by: 2) {
            guard let a = ids[i], let b = ids[i + 1], a != b, let fa = fields[a], let fb = fields[b] else { continue }
            sample.addRandom(FieldComparison.compare(fa.fields, fb.fields))
            drawn += 1
        }
        job.add("random_pairs", drawn)
        job.cursor += n
        job.doneUnits += n
        if job.cursor >= wanted { job.enter("blocked") }
    }

    /// The blocked candidates of the next sampled accounts: every other account sharing one of their
    /// blocking keys (by the current rules), each once with the rules of every key it shares. Accounts
    /// of the same member count too: once ingest has merged a merchant's duplicates, pairs of other
    /// members alone would be nearly all strangers, and EM would learn what a match looks like from
    /// almost none (a trained name `exact` level came out negative that way).
    mutating func blocked(_ limit: Int) throws {
        let chosen = try c.queryPrepared(
            "SELECT account_id FROM identity_job_account WHERE job_id = $1 AND account_id > $2 ORDER BY account_id LIMIT $3",
            [.int(job.id), .int(job.cursor), .int(Int64(limit))]
        ).map { try $0.decode(Int64.self, at: 0) }
        var fields = try load(chosen)
        let candidates = try candidates(of: chosen, fields)
        for (id, f) in try load(Array(Set(candidates.flatMap { $0.value.keys }).subtracting(fields.keys))) { fields[id] = f }
        var pairs: Int64 = 0
        for a in chosen {
            guard let fa = fields[a] else { continue }
            for (b, rules) in (candidates[a] ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let fb = fields[b] else { continue }
                sample.addBlocked(FieldComparison.compare(fa.fields, fb.fields), rules: rules)
                pairs += 1
            }
        }
        try countHolders(of: chosen, fields)
        sample.sampledAccounts += chosen.count
        job.add("blocked_pairs", pairs)
        job.add("sampled_accounts", Int64(chosen.count))
        job.doneUnits += Int64(chosen.count)
        job.cursor = chosen.last ?? job.cursor
        if chosen.count < limit { job.enter("known") }
    }

    /// Per sampled account, its candidates and the rule bits of the keys each shares with it; keys held
    /// by more accounts than `maxCandidatesPerBlock` are passed over and each account keeps at most
    /// `maxCandidates`, those sharing the most keys first, then the oldest: the pairs ingest compares.
    func candidates(of chosen: [Int64], _ fields: [Int64: Loaded]) throws -> [Int64: [Int64: UInt8]] {
        var src: [Int64?] = [], bits: [Int64?] = [], keys: [String?] = []
        for a in chosen {
            guard let f = fields[a] else { continue }
            for (key, index) in zip(f.fields.blockingKeys, codec.blockingIndexes(f.fields)) {
                guard let rule = BlockingRule(key: key) else { continue }
                src.append(a)
                bits.append(Int64(rule.bit))
                keys.append(index)
            }
        }
        guard !src.isEmpty else { return [:] }
        let cap = policy.maxCandidatesPerBlock
        let rows = try c.queryPrepared(
            """
            WITH k AS MATERIALIZED (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS t(src, bit, key)),
            usable AS MATERIALIZED (
                SELECT DISTINCT k.key FROM k WHERE (SELECT count(*) FROM (SELECT 1 FROM blocking_key x WHERE x.key = k.key LIMIT $4 + 1) c) <= $4
            )
            SELECT k.src, b.account_id, bit_or(k.bit) FROM k JOIN usable u ON u.key = k.key
            CROSS JOIN LATERAL (SELECT account_id FROM blocking_key b WHERE b.key = k.key LIMIT $4 + 1) b
            WHERE b.account_id <> k.src
            GROUP BY k.src, b.account_id ORDER BY k.src, count(*) DESC, b.account_id
            """, [.intArray(src), .intArray(bits), .textArray(keys), .int(Int64(cap))])
        var out: [Int64: [Int64: UInt8]] = [:]
        for row in rows {
            let a: Int64 = try row.decode(at: 0)
            guard (out[a]?.count ?? 0) < policy.maxCandidates else { continue }
            out[a, default: [:]][try row.decode(at: 1)] = UInt8(try row.decode(Int64.self, at: 2))
        }
        return out
    }

    /// Per sampled account, the other members' accounts holding its name's key and its address's (at
    /// most `NameFrequency.countCap`, as ingest counts them): the spread from which `EMTrainer.priorAccounts`
    /// estimates how soon a name's or an address's own count is to be believed.
    mutating func countHolders(of chosen: [Int64], _ fields: [Int64: Loaded]) throws {
        var src: [Int64] = [], member: [Int64] = [], keys: [String] = [], kinds: [Int64] = []
        for a in chosen {
            guard let f = fields[a] else { continue }
            for (kind, key) in [(Int64(0), f.fields.nameFrequencyKey), (1, f.fields.addressFrequencyKey)] {
                guard let key else { continue }
                src.append(a)
                member.append(f.member)
                keys.append(codec.index(kind: "block", key))
                kinds.append(kind)
            }
        }
        guard !src.isEmpty else { return }
        let rows = try c.queryPrepared(
            """
            SELECT t.kind, (SELECT count(*) FROM (SELECT 1 FROM blocking_key b JOIN account a ON a.id = b.account_id
                                                  WHERE b.key = t.key AND a.member_id <> t.member LIMIT $5) n)
            FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[]) AS t(src, member, key, kind) ORDER BY t.src, t.kind
            """, [.intArray(src), .intArray(member), .textArray(keys), .intArray(kinds), .int(Int64(NameFrequency.countCap))])
        for row in rows {
            let kind: Int64 = try row.decode(at: 0), holders: Int64 = try row.decode(at: 1)
            if kind == 0 { sample.nameHolders.add(Int(holders)) } else { sample.addressHolders.add(Int(holders)) }
        }
    }

    /// Pairs of the next members' accounts that share a deterministic key: known to be one person.
    mutating func known(_ limit: Int) throws {
        let members = try c.queryPrepared(
            """
            SELECT member_id, array_to_string((array_agg(id ORDER BY id))[1:$3::int], ',') FROM account WHERE member_id > $1
            GROUP BY member_id HAVING count(*) > 1 ORDER BY member_id LIMIT $2
            """, [.int(job.cursor), .int(Int64(limit)), .int(Int64(IdentityTraining.knownAccountsPerMember))]
        ).map { (try $0.decode(Int64.self, at: 0), try $0.decode(String.self, at: 1).split(separator: ",").compactMap { Int64($0) }) }
        let accounts = members.flatMap(\.1)
        let owner = Dictionary(uniqueKeysWithValues: members.flatMap { m in m.1.map { ($0, m.0) } })
        let pairs = try c.queryPrepared(
            """
            SELECT DISTINCT k1.account_id, k2.account_id FROM identity_key k1
            JOIN identity_key k2 ON k2.kind = k1.kind AND k2.value = k1.value AND k2.account_id > k1.account_id
            WHERE k1.account_id = ANY($1::bigint[]) AND k2.account_id = ANY($1::bigint[]) ORDER BY 1, 2
            """, [.intArray(accounts)]
        ).map { (try $0.decode(Int64.self, at: 0), try $0.decode(Int64.self, at: 1)) }.filter { owner[$0.0] == owner[$0.1] }
        let fields = try load(Array(Set(pairs.flatMap { [$0.0, $0.1] })))
        var found: Int64 = 0
        for (a, b) in pairs {
            guard let fa = fields[a], let fb = fields[b] else { continue }
            sample.addKnown(FieldComparison.compare(fa.fields, fb.fields))
            found += 1
        }
        job.add("known_pairs", found)
        job.doneUnits += Int64(members.count)
        job.cursor = members.last?.0 ?? job.cursor
        if members.count < limit { job.enter("fit") }
    }

    /// An account's member and what matching compares of it.
    struct Loaded {
        var member: Int64
        var fields: PersonFields
    }

    /// The accounts' fields, opened with their data keys (an erased account's are all missing).
    func load(_ ids: [Int64]) throws -> [Int64: Loaded] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: Loaded] = [:]
        for row in try c.queryPrepared(
            """
            SELECT a.id, a.member_id, a.region, \(SealedProfile.columns("a")), \(PersonalDataCodec.keyColumns("k"))
            FROM account a LEFT JOIN data_key k ON k.id = a.key_id WHERE a.id = ANY($1::bigint[])
            """, [.intArray(ids.sorted())])
        {
            out[try row.decode(at: 0)] = Loaded(member: try row.decode(at: 1), fields: try SealedProfile.personFields(row, at: 2, codec: codec))
        }
        return out
    }
}
