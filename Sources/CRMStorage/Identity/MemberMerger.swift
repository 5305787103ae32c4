import CRMDomain
import CRMJSON
import CRMPostgres

/// Merging and unmerging members inside the caller's transaction. A merge moves every account
/// (and so every order and refund, which hang off accounts) of one member to the other, marks the
/// merged member as merged into the survivor, and keeps a record from which `unmerge` restores
/// both exactly. Every merge and unmerge is audited in `merge_record` and `member_history`.
struct MemberMerger {
    let c: PostgresConnection
    let policy: IdentityPolicy
    let codec: PersonalDataCodec
    let loyalty: LoyaltyPolicy
    /// With a queue, merges leave their survivors' golden records to `flushGolden` (see `PendingGolden`).
    var pendingGolden: PendingGolden? = nil
    /// With a record, merges are noted there as they are made (see `PushMerges`).
    var pushMerges: PushMerges? = nil

    /// The member that answers for `id` now (following merges).
    func liveMember(_ id: Int64) throws -> Int64 { try Self.liveMember(c, id) }

    /// The member that answers for `id` now (following merges).
    static func liveMember(_ c: PostgresConnection, _ id: Int64) throws -> Int64 {
        var current = id
        for _ in 0..<64 {
            guard let row = try c.queryPrepared("SELECT merged_into FROM member WHERE id = $1", [.int(current)]).single else {
                throw EventRejection(.notFound, reason: .memberNotFound, message: "no member \(id)")
            }
            guard let next: Int64 = try row.decode(at: 0) else { return current }
            current = next
        }
        preconditionFailure("merge chain of member \(id) is longer than 64 or circular")
    }

    /// The member that answers for `id` now, and whether it and `current` are kept apart
    /// (`identity_separation`), in one statement: what fuzzy matching asks of every candidate it decides on.
    func liveMember(_ id: Int64, separatedFrom current: Int64) throws -> (member: Int64, separated: Bool) {
        let row = try c.queryPrepared(
            """
            WITH RECURSIVE chain (id, next, depth) AS (
                SELECT id, merged_into, 1 FROM member WHERE id = $1
                UNION ALL
                SELECT m.id, m.merged_into, c.depth + 1 FROM chain c JOIN member m ON m.id = c.next WHERE c.depth < 64)
            SELECT c.id, EXISTS (SELECT 1 FROM identity_separation s WHERE s.member_a = LEAST(c.id, $2) AND s.member_b = GREATEST(c.id, $2))
            FROM chain c WHERE c.next IS NULL
            """, [.int(id), .int(current)]
        ).single
        // No end within 64 links, or no such member: `liveMember` says which.
        guard let row else { return (try liveMember(id), try areSeparated(try liveMember(id), current)) }
        return (try row.decode(at: 0), try row.decode(at: 1))
    }

    func areSeparated(_ a: Int64, _ b: Int64) throws -> Bool {
        try !c.queryPrepared("SELECT 1 FROM identity_separation WHERE member_a = $1 AND member_b = $2", [.int(min(a, b)), .int(max(a, b))]).isEmpty
    }

    /// Merges the younger of two live members into the older; returns the survivor and the merge record.
    /// `newMembers`: members the caller's push made for accounts seen for the first time, before any of
    /// their orders earned: merged away, such a member brings no points, referral binding or level, so
    /// those steps (a dozen statements) are skipped. Debug builds check that it holds none.
    /// `modelVersion`: the match model that decided a `fuzzy` merge (0 the untrained one).
    @discardableResult
    func merge(
        _ x: Int64, _ y: Int64, rule: String, score: Double?, evidence: JSONObject, actor: String, reason: String?,
        newMembers: Set<Int64> = [], modelVersion: Int64? = nil
    ) throws -> (survivor: Int64, mergeID: Int64) {
        precondition(x != y, "a member cannot merge with itself")
        let survivor = min(x, y)
        let merged = max(x, y)
        try beforeMergingAway([merged])
        let recordID = try moveAccounts([
            AccountMove(
                merged: merged, survivor: survivor, rule: rule, score: score, evidence: evidence, actor: actor, reason: reason, modelVersion: modelVersion)
        ])[0].record
        pushMerges?.record(merged: merged, into: survivor)
        try goldenChanged([survivor])
        if newMembers.contains(merged) {
            try checkHoldNothing([merged])
            return (survivor, recordID)
        }
        // Points and level follow the person.
        let ledger = PointsLedger(c: c, policy: loyalty.points)
        try ledger.mergeTransfer(from: merged, to: survivor, mergeID: recordID, actor: actor)
        try ReferralBook(c: c, policy: loyalty.points).afterMerge(survivor: survivor, merged: merged, actor: actor)
        try CouponTransfer(c: c).merge(from: merged, to: survivor, mergeID: recordID, actor: actor)
        try ConsentTransfer(c: c).merge(from: merged, to: survivor, mergeID: recordID, actor: actor)
        try LevelKeeper(c: c, ladder: loyalty.ladder, offsetMinutes: loyalty.points.offsetMinutes).afterMerge(
            survivor: survivor, merged: merged, mergeID: recordID, now: try ledger.now(), actor: actor)
        return (survivor, recordID)
    }

    /// Debug builds check that members new in the push, about to be merged away without their points,
    /// referral and level steps, indeed hold none of those yet.
    func checkHoldNothing(_ members: [Int64]) throws {
        #if DEBUG
        let held: Int = try c.queryPrepared(
            """
            SELECT (SELECT count(*) FROM points_lot WHERE member_id = ANY($1::bigint[]))
                 + (SELECT count(*) FROM points_account WHERE member_id = ANY($1::bigint[]))
                 + (SELECT count(*) FROM referral_binding WHERE referrer_id = ANY($1::bigint[]) OR referred_id = ANY($1::bigint[]))
                 + (SELECT count(*) FROM member_level WHERE member_id = ANY($1::bigint[]))
                 + (SELECT count(*) FROM coupon WHERE member_id = ANY($1::bigint[]))
            """, [.intArray(members)]
        ).single!.decode(at: 0)
        precondition(held == 0, "members \(members), new in this push, already hold points, a referral, a level or a coupon")
        #endif
    }

    /// Undoes a merge: the merged member gets back exactly the accounts it had, both golden records
    /// are recomputed, and the pair is remembered as separate so it is not merged again automatically.
    func unmerge(recordID: Int64, actor: String, reason: String?) throws -> (survivor: Int64, restored: Int64) {
        guard
            let row = try c.queryPrepared(
                """
                SELECT survivor_id, merged_id, array_to_string(account_ids, ','), undone_at IS NOT NULL FROM merge_record WHERE id = $1 FOR UPDATE
                """, [.int(recordID)]
            ).single
        else {
            throw EventRejection(.notFound, reason: .mergeNotFound, message: "no merge \(recordID)")
        }
        let survivor: Int64 = try row.decode(at: 0)
        let merged: Int64 = try row.decode(at: 1)
        let accountsText: String = try row.decode(at: 2)
        guard try !row.decode(Bool.self, at: 3) else {
            throw EventRejection(.conflict, reason: .alreadyUnmerged, message: "merge \(recordID) was already undone")
        }
        let accounts = accountsText.split(separator: ",").compactMap { Int64($0) }
        let currentSurvivor = try liveMember(survivor)
        try c.queryPrepared("SELECT id FROM member WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE", [.intArray([currentSurvivor, merged])])
        try c.queryPrepared("UPDATE account SET member_id = $1, updated_at = now() WHERE id = ANY($2::bigint[])", [.int(merged), .intArray(accounts)])
        try c.queryPrepared("UPDATE member SET merged_into = NULL, updated_at = now() WHERE id = $1", [.int(merged)])
        try c.queryPrepared(
            "UPDATE merge_record SET undone_at = now(), undone_by = $2, undo_reason = $3 WHERE id = $1",
            [.int(recordID), .text(actor), .optional(reason)])
        try c.queryPrepared(
            """
            INSERT INTO identity_separation (member_a, member_b, actor, reason) VALUES ($1, $2, $3, $4)
            ON CONFLICT DO NOTHING
            """, [.int(min(currentSurvivor, merged)), .int(max(currentSurvivor, merged)), .text(actor), .optional(reason)])
        let detail: JSONObject = ["merge_id": .int(recordID), "reason": reason.map { .string($0) } ?? .null]
        var s = detail
        s["restored"] = .int(merged)
        var m = detail
        m["from"] = .int(currentSurvivor)
        m["accounts"] = .array(accounts.map { .int($0) })
        try history(currentSurvivor, "unmerged", actor, s)
        try history(merged, "restored", actor, m)
        try recomputeGolden(currentSurvivor)
        try recomputeGolden(merged)
        // The restored member takes back its own points (what is left of them) and both levels are recomputed.
        let ledger = PointsLedger(c: c, policy: loyalty.points)
        try ledger.unmergeTransfer(survivor: currentSurvivor, restored: merged, accounts: accounts, mergeID: recordID, actor: actor)
        try MemberTagTransfer(c: c).unmerge(survivor: currentSurvivor, restored: merged, accounts: accounts)
        try PurchaseRows(c: c).move(accounts: accounts, to: merged)
        try ConsentTransfer(c: c).unmerge(survivor: currentSurvivor, restored: merged, mergeID: recordID, actor: actor)
        try CouponTransfer(c: c).unmerge(survivor: currentSurvivor, restored: merged, mergeID: recordID, actor: actor)
        try LevelKeeper(c: c, ladder: loyalty.ladder, offsetMinutes: loyalty.points.offsetMinutes).afterUnmerge(
            [currentSurvivor, merged], mergeID: recordID, now: try ledger.now(), actor: actor)
        return (currentSurvivor, merged)
    }

    /// Members whose accounts changed: their golden records are derived now, or queued when the
    /// merger has a queue.
    func goldenChanged(_ members: [Int64]) throws {
        if let pendingGolden {
            pendingGolden.members.formUnion(members)
        } else {
            try recomputeGolden(members)
        }
    }

    /// Before members are merged away: a queued golden record of theirs is derived first, so that the
    /// merge record's snapshot of them holds the record their accounts make, as without a queue.
    func beforeMergingAway(_ members: [Int64]) throws {
        guard let pendingGolden else { return }
        let due = members.filter { pendingGolden.members.remove($0) != nil }
        try recomputeGolden(due.sorted())
    }

    /// Derives every queued golden record (the end of a run of merges).
    func flushGolden() throws {
        guard let pendingGolden else { return }
        let due = pendingGolden.members.sorted()
        pendingGolden.members = []
        try recomputeGolden(due)
    }

    /// Derives the member's golden record from its accounts by survivorship.
    func recomputeGolden(_ memberID: Int64) throws {
        try recomputeGolden([memberID])
    }

    /// Derives several members' golden records from their accounts by survivorship, in two
    /// statements: the accounts' sealed fields (each opened with its own data key) with their members'
    /// keys, and the update that seals the golden records under those keys with their derived blind
    /// indexes. A member without accounts, or whose key was destroyed (erased), keeps nothing.
    func recomputeGolden(_ members: [Int64]) throws {
        guard !members.isEmpty else { return }
        var views: [Int64: [AccountView]] = [:]
        var ciphers: [Int64: FieldCipher] = [:]
        let keyAt = 5 + SealedProfile.fields.count
        for row in try c.queryPrepared(
            """
            SELECT a.member_id, a.channel, crm_rfc3339(COALESCE(a.source_updated_at, a.created_at)), a.gender, a.region,
                   \(SealedProfile.columns("a")), \(PersonalDataCodec.keyColumns("k")), \(PersonalDataCodec.keyColumns("mk"))
            FROM account a LEFT JOIN data_key k ON k.id = a.key_id JOIN member m ON m.id = a.member_id LEFT JOIN data_key mk ON mk.id = m.key_id
            WHERE a.member_id = ANY($1::bigint[])
            """, [.intArray(members)])
        {
            let member: Int64 = try row.decode(at: 0)
            if ciphers[member] == nil, let cipher = try codec.cipher(row, at: keyAt + 3) { ciphers[member] = cipher }
            var fields = try SealedProfile.open(row, at: 5, cipher: try codec.cipher(row, at: keyAt))
            if let gender: String = try row.decode(at: 3) { fields["gender"] = gender }
            if let region: String = try row.decode(at: 4) { fields["region"] = region }
            views[member, default: []].append(
                AccountView(channel: Channel(rawValue: try row.decode(at: 1))!, updatedAt: try row.decode(at: 2), fields: fields))
        }
        let golden = members.map { Survivorship.golden(views[$0] ?? [], trust: policy.channelTrust) }
        try GoldenRecordWriter(c: c, codec: codec).write(members: members, golden: golden, ciphers: ciphers)
    }

    func history(_ memberID: Int64, _ action: String, _ actor: String, _ detail: JSONObject) throws {
        try c.queryPrepared(
            "INSERT INTO member_history (member_id, action, actor, detail) VALUES ($1, $2, $3, $4::jsonb)",
            [.int(memberID), .text(action), .text(actor), .text(JSONSerializer.canonicalObject(detail))])
    }
}
