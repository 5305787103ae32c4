import CRMDomain
import CRMPostgres

/// The fuzzy candidates of a push's new accounts, read for all of them in one statement once the
/// push holds the identity lock, with the separations among the members concerned: what
/// `IdentityResolver` otherwise reads account by account, several statements each, while every other
/// push waits for the lock. Exact: under the lock nothing changes blocking keys, accounts' fields or
/// separations until the push commits, and members move only by the push's own merges, which
/// `PushMerges` follows. A candidate's member is read as it was and mapped through those merges when
/// used. Only for accounts whose member still holds just them (`member(of:)` says so): for them,
/// leaving out the account's own member is leaving out the account.
final class PushCandidates {
    private let merges: PushMerges
    /// The member made for each account read.
    private let startMember: [Int64: Int64]
    private let found: [Int64: IdentityResolver.Candidates]
    /// Members whose separations were read, and the separated pairs among them (lower id first).
    private let known: Set<Int64>
    private let separations: Set<SeparatedPair>

    private struct SeparatedPair: Hashable {
        let low: Int64, high: Int64
        init(_ a: Int64, _ b: Int64) { (low, high) = (min(a, b), max(a, b)) }
    }

    private init(
        merges: PushMerges, startMember: [Int64: Int64], found: [Int64: IdentityResolver.Candidates], known: Set<Int64>,
        separations: Set<SeparatedPair>
    ) {
        (self.merges, self.startMember, self.found, self.known, self.separations) = (merges, startMember, found, known, separations)
    }

    /// The member `account` belongs to now, and whether that member still holds only it; nil for an
    /// account not read here.
    func member(of account: Int64) -> (member: Int64, single: Bool)? {
        guard let start = startMember[account] else { return nil }
        return (merges.live(start), !merges.touched.contains(start))
    }

    /// The account's candidates as `IdentityResolver.candidates` reads them now; nil for an account
    /// not read here.
    func candidates(of account: Int64) -> IdentityResolver.Candidates? {
        guard var out = found[account] else { return nil }
        out.accounts = out.accounts.map { (merges.live($0.member), $0.fields) }
        return out
    }

    /// The member that answers for `member` now.
    func live(_ member: Int64) -> Int64 { merges.live(member) }

    /// Whether two live members are kept apart; nil when either was not among those read.
    func separated(_ a: Int64, _ b: Int64) -> Bool? {
        guard known.contains(a), known.contains(b) else { return nil }
        return separations.contains(SeparatedPair(a, b))
    }

    /// The most candidate rows one statement of `read` may return: about 15 MB of sealed columns.
    static let rowsPerStatement = 20_000

    /// The blind indexes of one account's keys: its blocking keys, and those it is counted under for
    /// its name's and its address's frequencies.
    struct Keys {
        let blocks: [String]
        let name: String?
        let address: String?

        init(_ fields: PersonFields, codec: PersonalDataCodec) {
            blocks = codec.blockingIndexes(fields)
            name = fields.nameFrequencyKey.map { codec.index(kind: "block", $0) }
            address = fields.addressFrequencyKey.map { codec.index(kind: "block", $0) }
        }
    }

    /// Reads the candidates of `accounts` (new in the push, each still the only account of its new
    /// member `members[i]`, with keys `keys[i]`), two statements.
    static func read(
        _ c: PostgresConnection, policy: IdentityPolicy, codec: PersonalDataCodec, merges: PushMerges,
        accounts: [Int64], members: [Int64], keys all: [Keys]
    ) throws -> PushCandidates {
        precondition(accounts.count == members.count && accounts.count == all.count, "one row per account")
        // At most `rowsPerStatement` candidate rows in one result (libpq holds a result whole).
        var found: [Int64: IdentityResolver.Candidates] = [:]
        let chunk = max(1, rowsPerStatement / policy.maxCandidates)
        for start in stride(from: 0, to: accounts.count, by: chunk) {
            let end = min(start + chunk, accounts.count)
            found.merge(
                try candidates(c, policy: policy, codec: codec, accounts: Array(accounts[start..<end]), keys: Array(all[start..<end])),
                uniquingKeysWith: { first, _ in first })
        }
        let known = Set(members).union(found.values.flatMap { $0.accounts.map(\.member) })
        var separations = Set<SeparatedPair>()
        for row in try c.queryPrepared(
            "SELECT member_a, member_b FROM identity_separation WHERE member_a = ANY($1::bigint[]) OR member_b = ANY($1::bigint[])",
            [.intArray(Array(known))])
        {
            separations.insert(SeparatedPair(try row.decode(at: 0), try row.decode(at: 1)))
        }
        return PushCandidates(
            merges: merges, startMember: Dictionary(uniqueKeysWithValues: zip(accounts, members)), found: found, known: known,
            separations: separations)
    }

    /// The candidates of `accounts`, each the only account of its member, with keys `keys[i]`, in one
    /// statement: for each, what `IdentityResolver.fuzzyMatch` compares (members as they are now).
    static func candidates(
        _ c: PostgresConnection, policy: IdentityPolicy, codec: PersonalDataCodec, accounts: [Int64],
        keys all: [Keys]
    ) throws -> [Int64: IdentityResolver.Candidates] {
        var keyAccounts: [Int64] = [], keys: [String?] = []
        for (account, mine) in zip(accounts, all) {
            for key in mine.blocks {
                keyAccounts.append(account)
                keys.append(key)
            }
        }
        let named = zip(accounts, all).filter { $0.1.name != nil }
        let housed = zip(accounts, all).filter { $0.1.address != nil }
        var found: [Int64: IdentityResolver.Candidates] = [:]
        for row in try c.queryPrepared(
            statement,
            [
                .intArray(keyAccounts), .textArray(keys), .int(Int64(policy.maxCandidatesPerBlock)), .int(Int64(policy.maxCandidates)),
                .intArray(named.map(\.0)), .textArray(named.map(\.1.name)), .int(Int64(NameFrequency.countCap)),
                .intArray(housed.map(\.0)), .textArray(housed.map(\.1.address)),
            ])
        {
            let account: Int64 = try row.decode(at: 0)
            if found[account] == nil {
                var empty = IdentityResolver.Candidates()
                // The account itself holds its name's key and its address's.
                let total = try row.decode(Double?.self, at: 2) ?? 0
                if let holders: Int = try row.decode(at: 1) { empty.nameHolders = (max(holders - 1, 0), total) }
                if let holders: Int = try row.decode(at: 3) { empty.addressHolders = (max(holders - 1, 0), total) }
                found[account] = empty
            }
            let candidate: Int64 = try row.decode(at: 4)
            let stamp: Int64? = try row.decode(at: 6 + SealedProfile.matchColumnCount + 3)
            let fields = try codec.keys.opened.fields(account: candidate, stamp: stamp, row, at: 6, codec: codec)
            found[account]!.accounts.append((try row.decode(at: 5), fields))
        }
        return found
    }

    /// Per account, every blocking key held by at most `max_candidates_per_block` accounts (a key more
    /// hold says little, and would make the cost per event grow with the members), at most
    /// `max_candidates` accounts other than itself, those
    /// sharing the most keys first, then the oldest; the accounts holding its name's key and its
    /// address's (each at most `NameFrequency.countCap`) and the planner's estimate of all accounts.
    private static let statement = """
        WITH t AS MATERIALIZED (SELECT * FROM unnest($1::bigint[], $2::text[]) AS t(acc, key)),
        usable AS MATERIALIZED (
            SELECT k.key FROM (SELECT DISTINCT key FROM t) k
            WHERE (SELECT count(*) FROM (SELECT 1 FROM blocking_key x WHERE x.key = k.key LIMIT $3 + 1) c) <= $3),
        blocks AS MATERIALIZED (
            SELECT u.key, b.account_id FROM usable u CROSS JOIN LATERAL (SELECT account_id FROM blocking_key b WHERE b.key = u.key LIMIT $3 + 1) b),
        ranked AS MATERIALIZED (
            SELECT acc, account_id, shared FROM (
                SELECT t.acc, b.account_id, count(*) AS shared, row_number() OVER (PARTITION BY t.acc ORDER BY count(*) DESC, b.account_id) AS r
                FROM t JOIN blocks b ON b.key = t.key WHERE b.account_id <> t.acc GROUP BY t.acc, b.account_id) x
            WHERE r <= $4),
        names AS (
            SELECT n.acc, (SELECT count(*) FROM (SELECT 1 FROM blocking_key z WHERE z.key = n.key LIMIT $7) z) AS holders
            FROM unnest($5::bigint[], $6::text[]) AS n(acc, key)),
        homes AS (
            SELECT h.acc, (SELECT count(*) FROM (SELECT 1 FROM blocking_key z WHERE z.key = h.key LIMIT $7) z) AS holders
            FROM unnest($8::bigint[], $9::text[]) AS h(acc, key))
        SELECT r.acc, nm.holders, (SELECT GREATEST(reltuples, 0)::float8 FROM pg_class WHERE oid = 'account'::regclass), hm.holders,
               a.id, a.member_id, \(SealedProfile.matchColumns("a")), \(PersonalDataCodec.keyColumns("k")), a.match_stamp
        FROM ranked r JOIN account a ON a.id = r.account_id LEFT JOIN data_key k ON k.id = a.key_id
             LEFT JOIN names nm ON nm.acc = r.acc LEFT JOIN homes hm ON hm.acc = r.acc
        ORDER BY r.acc, r.shared DESC, a.id
        """
}
