import CRMDomain
import CRMJSON
import CRMPostgres

/// Re-resolving the members already stored with the model in force (`identity.rescan`,
/// docs/identity.md), one committed batch per call under the identity lock (taken alone, as pushes
/// take it to resolve), the run's row keeping its phase and cursor:
/// - `keys`: every account's blocking keys made again by the current rules (accounts stored before a
///   rule existed lack its keys), accounts in id order;
/// - `score`: every live member that ingest would fuzzy-match (one account, not erased), in id order,
///   matched exactly as ingest matches it (`IdentityResolver.fuzzyMatch`): merges, review items,
///   separations (an unmerged pair is separated) and guards as at ingest.
/// A second rescan over unchanged data changes nothing: what merges has merged, what is queued is
/// queued once.
public struct IdentityRescan: Sendable {
    let pool: PostgresPool
    let codec: PersonalDataCodec

    static let kind = "rescan"
    /// Accounts (keys) or members (score) one call goes through by default: a batch holds the identity
    /// lock (pushes that resolve wait), about 0.4 s for 200 members with merges in a debug build.
    public static let defaultBatch = 200
    static let counts = ["keys_refreshed", "scanned", "merged", "queued"]

    public init(pool: PostgresPool, codec: PersonalDataCodec) {
        self.pool = pool
        self.codec = codec
    }

    /// One step: starts a rescan when none is under way, else does its next batch.
    public func step(limit: Int, policy: IdentityPolicy, loyalty: LoyaltyPolicy, actor: String) async throws -> IdentityJobProgress {
        let codec = self.codec
        return try await pool.withTransaction { c in
            try IdentityJob.lock(c, kind: Self.kind)
            guard var job = try IdentityJob.running(c, kind: Self.kind) else {
                let sizes = try c.queryPrepared("SELECT (SELECT count(*) FROM account), (SELECT count(*) FROM member WHERE merged_into IS NULL)", []).single!
                let total = try sizes.decode(Int64.self, at: 0) + sizes.decode(Int64.self, at: 1)
                return try IdentityJob.start(c, kind: Self.kind, seed: nil, params: [:], phase: "keys", total: total, state: [:], actor: actor)
                    .progress(counts: Self.counts)
            }
            try c.queryPrepared("SELECT pg_advisory_xact_lock($1)", [.int(IngestEngine.identityLockKey)])
            let batch = RescanBatch(c: c, codec: codec, policy: policy, loyalty: loyalty)
            switch job.phase {
            case "keys": try batch.refreshKeys(&job, limit: limit)
            default: try batch.score(&job, limit: limit)
            }
            try job.save(c)
            return job.progress(counts: Self.counts)
        }
    }
}

/// One batch of a rescan, inside its transaction and under the identity lock.
struct RescanBatch {
    let c: PostgresConnection
    let codec: PersonalDataCodec
    let policy: IdentityPolicy
    let loyalty: LoyaltyPolicy

    /// Remakes the next accounts' blocking keys (also those written without a stamp), and their stored match forms (from their sealed fields,
    /// so that a form written by an older folding is written again); accounts whose keys changed are
    /// noted in the identity journal as replaced, so a push screening meanwhile screens in full.
    func refreshKeys(_ job: inout IdentityJob, limit: Int) throws {
        let rows = try c.queryPrepared(
            """
            SELECT a.id, \(SealedProfile.matchColumns("a")), \(PersonalDataCodec.keyColumns("k")),
                   (SELECT COALESCE(string_agg(b.key, ','), '') FROM blocking_key b WHERE b.account_id = a.id),
                   EXISTS (SELECT 1 FROM blocking_key b WHERE b.account_id = a.id AND b.stamp IS NULL)
            FROM account a LEFT JOIN data_key k ON k.id = a.key_id WHERE a.id > $1 ORDER BY a.id LIMIT $2
            """, [.int(job.cursor), .int(Int64(limit))])
        let keyAt = 1 + SealedProfile.matchColumnCount
        var changed: [Int64] = [], accounts: [Int64] = [], keys: [String?] = []
        var reformed: [Int64] = [], forms: [String?] = []
        for row in rows {
            let id: Int64 = try row.decode(at: 0)
            let cipher = try codec.cipher(row, at: keyAt)
            let fields = try SealedProfile.derivedFields(row, at: 1, cipher: cipher)
            if let cipher, cipher.open(try row.decode(String?.self, at: 2)) != fields.storedForm {
                reformed.append(id)
                forms.append(cipher.seal(fields.storedForm))
            }
            let fresh = Set(codec.blockingIndexes(fields))
            let stored = Set(try row.decode(String.self, at: keyAt + 3).split(separator: ",").map(String.init))
            // Keys written without their account's stamp (by a release before migration 26) are written again too.
            let unstamped: Bool = try row.decode(at: keyAt + 4)
            guard fresh != stored || unstamped else { continue }
            changed.append(id)
            for key in fresh.sorted() {
                accounts.append(id)
                keys.append(key)
            }
        }
        if !reformed.isEmpty {
            try c.queryPrepared(
                "UPDATE account a SET match_sealed = t.f FROM unnest($1::bigint[], $2::text[]) AS t(id, f) WHERE a.id = t.id",
                [.intArray(reformed), .textArray(forms)])
        }
        if !changed.isEmpty {
            try c.queryPrepared("DELETE FROM blocking_key WHERE account_id = ANY($1::bigint[])", [.intArray(changed)])
            try BlockingKeyRows.insert(c, accounts: accounts, keys: keys)
            try IdentityJournal(c: c).note(changed, replaced: true)
        }
        job.add("keys_refreshed", Int64(changed.count))
        job.doneUnits += Int64(rows.count)
        job.cursor = try rows.last?.decode(Int64.self, at: 0) ?? job.cursor
        if rows.count < limit { job.enter("score") }
    }

    /// Matches the next live members that ingest would fuzzy-match, each as ingest would.
    func score(_ job: inout IdentityJob, limit: Int) throws {
        let members = try c.queryPrepared(
            "SELECT id FROM member WHERE id > $1 AND merged_into IS NULL ORDER BY id LIMIT $2", [.int(job.cursor), .int(Int64(limit))]
        ).map { try $0.decode(Int64.self, at: 0) }
        let single = try singleAccounts(of: members)
        let queuedBefore: Int64 = try c.queryPrepared("SELECT COALESCE(max(id), 0) FROM review_item", []).single!.decode(at: 0)
        var merger = MemberMerger(c: c, policy: policy, codec: codec, loyalty: loyalty)
        merger.pendingGolden = PendingGolden()
        let resolver = IdentityResolver(c: c, policy: policy, model: try IdentityModelStore.current(c), codec: codec, merger: merger)
        var merged: Int64 = 0
        for member in members {
            guard let account = single[member] else { continue }
            // An earlier member of this batch may have merged this one, or into this one.
            guard try merger.liveMember(member) == member,
                let row = try c.queryPrepared(
                    """
                    SELECT \(SealedProfile.matchColumns("a")), \(PersonalDataCodec.keyColumns("k"))
                    FROM account a LEFT JOIN data_key k ON k.id = a.key_id WHERE a.id = $1 AND a.member_id = $2
                    AND (SELECT count(*) FROM account o WHERE o.member_id = $2) = 1
                    """, [.int(account), .int(member)]
                ).single
            else { continue }
            let fields = try SealedProfile.personFields(row, at: 0, codec: codec)
            if try resolver.fuzzyMatch(accountID: account, memberID: member, fields: fields).merged { merged += 1 }
        }
        try merger.flushGolden()
        let queued: Int64 = try c.queryPrepared("SELECT count(*) FROM review_item WHERE id > $1", [.int(queuedBefore)]).single!.decode(at: 0)
        job.add("scanned", Int64(members.count))
        job.add("merged", merged)
        job.add("queued", queued)
        job.doneUnits += Int64(members.count)
        job.cursor = members.last ?? job.cursor
        if members.count < limit {
            job.doneUnits = job.totalUnits
            job.finished = true
        }
    }

    /// The account of each of `members` that holds exactly one and was not erased.
    func singleAccounts(of members: [Int64]) throws -> [Int64: Int64] {
        var out: [Int64: Int64] = [:]
        for row in try c.queryPrepared(
            """
            SELECT a.member_id, min(a.id) FROM account a WHERE a.member_id = ANY($1::bigint[])
            AND NOT EXISTS (SELECT 1 FROM member_history h WHERE h.member_id = a.member_id AND h.action = $2)
            GROUP BY a.member_id HAVING count(*) = 1
            """, [.intArray(members), .text(MemberFamily.erasedAction)])
        {
            out[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        return out
    }
}
