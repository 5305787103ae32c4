import CRMDomain
import CRMJSON
import CRMPostgres

/// `member.erase` (docs/privacy.md, "Erasure"): a member's personal data destroyed for good, in one
/// transaction. The data keys of the member's family (it and the members merged into it) are
/// destroyed, so no copy of the database made before or after can open what they sealed; every
/// column that held a personal value or an index derived from one is blanked; the accounts are
/// detached (renamed), so a later push of the same person starts a new member. Orders, points,
/// coupons, levels and the books stay with the now pseudonymous member, so they still balance.
public struct MemberEraser: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// What an erasure did, for the caller's log (counts only: nothing personal).
    public struct Outcome: Sendable, Equatable {
        /// The live member erased.
        public var member: Int64
        /// False when the member had been erased already (nothing was changed).
        public var changed: Bool
        public var members: Int
        public var accounts: Int
        /// Data keys destroyed, and kept because other members' rows are sealed under them too.
        public var keys: Int
        public var keysKept: Int
    }

    /// Erases the member `id` answers for (following merges) and its whole family. Erasing an erased
    /// member changes nothing and answers the same.
    public func erase(memberID id: Int64, reason: String, actor: String, actorTokenID: Int64?) async throws -> Outcome {
        try await pool.withTransaction { c in
            let family = try Self.lockFamily(c, id)
            if try MemberFamily.anyErased(c, [family.live]) {
                return Outcome(member: family.live, changed: false, members: family.members.count, accounts: 0, keys: 0, keysKept: 0)
            }
            let accounts = try c.queryPrepared(
                "SELECT id FROM account WHERE member_id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", [.intArray(family.members)]
            ).map { try $0.decode(Int64.self, at: 0) }
            let keys = try destroyKeys(c, family: family.members, accounts: accounts)
            try blankMembers(c, family.members)
            try detachAccounts(c, accounts, family: family.members)
            try forgetIdentity(c, family: family.members, accounts: accounts)
            try forgetConsent(c, family: family.members)
            try record(c, family: family, accounts: accounts.count, keys: keys, reason: reason, actor: actor, actorTokenID: actorTokenID)
            return Outcome(
                member: family.live, changed: true, members: family.members.count, accounts: accounts.count, keys: keys.destroyed,
                keysKept: keys.kept)
        }
    }

    /// Locks what erasure changes and returns the family. A push of a shop decides which of its
    /// accounts exist before it takes the identity lock, so erasure first takes the push locks of
    /// the shops the family has accounts in (pushes of those shops finish first or start after it),
    /// then the identity lock, exclusively, as merges do: no push merges into the family meanwhile.
    static func lockFamily(_ c: PostgresConnection, _ id: Int64) throws -> MemberFamily {
        let shops = try shopsOf(c, try MemberFamily.of(c, id).members)
        for shop in shops { try PushLocks.lockShop(c, shopID: shop) }
        try c.queryPrepared("SELECT pg_advisory_xact_lock($1)", [.int(IngestEngine.identityLockKey)])
        let family = try MemberFamily.of(c, id)
        try c.queryPrepared("SELECT id FROM member WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", [.intArray(family.members)])
        // A merge that committed in between may have brought an account of another shop.
        guard try Set(shopsOf(c, family.members)).isSubset(of: shops) else {
            throw StorageError.conflict(reason: .conflict, message: "member \(family.live) changed while it was being erased; try again")
        }
        return family
    }

    /// The shops the members have accounts in, by id.
    static func shopsOf(_ c: PostgresConnection, _ members: [Int64]) throws -> [Int64] {
        try c.queryPrepared(
            "SELECT DISTINCT shop_id FROM account WHERE member_id = ANY($1::bigint[]) ORDER BY shop_id", [.intArray(members)]
        ).map { try $0.decode(Int64.self, at: 0) }
    }

    /// Destroys every data key the family's rows were sealed with (the members' own, the accounts',
    /// and any other made for a member of the family), except keys other members' rows are sealed
    /// under too; returns how many were destroyed and how many were kept for that reason.
    ///
    /// Keys are shared only by data sealed when a database written before encryption was upgraded
    /// (accounts sealed under the key of the member they belonged to then) and merges of that time
    /// undone since: a key made for a member outside the family, or a key of the family that an
    /// account which left the family by an unmerge still uses. Destroying it would destroy another
    /// person's data; the family's values under it are deleted all the same.
    func destroyKeys(_ c: PostgresConnection, family: [Int64], accounts: [Int64]) throws -> (destroyed: Int, kept: Int) {
        let row = try c.queryPrepared(
            """
            WITH used AS (
                SELECT key_id AS id FROM member WHERE id = ANY($1::bigint[]) AND key_id IS NOT NULL
                UNION SELECT key_id FROM account WHERE id = ANY($2::bigint[]) AND key_id IS NOT NULL
                UNION SELECT id FROM data_key WHERE member_id = ANY($1::bigint[])),
            -- Accounts that left the family by an unmerge, and the keys they are sealed under.
            gone AS (
                SELECT DISTINCT a.key_id AS id FROM merge_record r JOIN account a ON a.id = ANY(r.account_ids)
                WHERE r.survivor_id = ANY($1::bigint[]) AND r.undone_at IS NOT NULL AND NOT a.member_id = ANY($1::bigint[])),
            shared AS (
                SELECT k.id FROM data_key k JOIN used u ON u.id = k.id
                WHERE NOT k.member_id = ANY($1::bigint[]) OR k.id IN (SELECT id FROM gone)),
            destroyed AS (
                UPDATE data_key SET wrapped = NULL, master_key_id = NULL, destroyed_at = now()
                WHERE id IN (SELECT id FROM used) AND id NOT IN (SELECT id FROM shared) AND destroyed_at IS NULL
                RETURNING id)
            SELECT (SELECT count(*) FROM destroyed), (SELECT count(*) FROM shared)
            """, [.intArray(family), .intArray(accounts)]
        ).single!
        return (try row.decode(at: 0), try row.decode(at: 1))
    }

    /// Blanks the golden records: sealed fields, the coarse plain ones, and the blind indexes derived
    /// from them (a blind index of a known value can still be recomputed with the index key).
    func blankMembers(_ c: PostgresConnection, _ family: [Int64]) throws {
        try c.queryPrepared(
            """
            UPDATE member SET name_sealed = NULL, nickname_sealed = NULL, phone_sealed = NULL, email_sealed = NULL,
                   birthday_sealed = NULL, address_sealed = NULL, gender = NULL, region = NULL, region_fold = NULL,
                   name_bidx = NULL, name_grams = NULL, phone_tail_bidx = NULL, email_domain_bidx = NULL, birthday_bidx = NULL,
                   address_grams = NULL, updated_at = now()
            WHERE id = ANY($1::bigint[])
            """, [.intArray(family)])
        // The merged members' golden records kept for unmerge (which erasure rules out) lose their personal columns.
        try c.queryPrepared(
            "UPDATE merge_record SET snapshot = snapshot - $2::text[] WHERE merged_id = ANY($1::bigint[])",
            [.intArray(family), .textArray(Self.snapshotPersonalKeys)])
    }

    /// The keys of `merge_record.snapshot` (a member row as JSON) that hold personal values, sealed
    /// or (in snapshots written before sealing) plain, or indexes of them.
    static let snapshotPersonalKeys = [
        "name", "nickname", "name_sealed", "nickname_sealed", "phone_sealed", "email_sealed", "birthday_sealed", "address_sealed",
        "gender", "region", "region_fold", "address_fold", "name_bidx", "name_grams", "phone_tail_bidx", "email_domain_bidx", "birthday_bidx",
        "address_grams",
    ]

    /// Blanks the accounts and renames them `erased:<account id>`: orders still hang off them, but no
    /// push names them again. The external ids written in the family's history go the same way.
    func detachAccounts(_ c: PostgresConnection, _ accounts: [Int64], family: [Int64]) throws {
        try c.queryPrepared(
            """
            UPDATE member_history h SET detail = h.detail || jsonb_build_object('external_id', 'erased:' || a.id)
            FROM account a
            WHERE h.member_id = ANY($1::bigint[]) AND h.detail ? 'external_id' AND a.id = ANY($2::bigint[])
              AND a.shop_id = (h.detail->>'shop_id')::bigint AND a.channel = h.detail->>'channel' AND a.external_id = h.detail->>'external_id'
            """, [.intArray(family), .intArray(accounts)])
        // An external id in the family's history whose account is not found any more is blanked all the same.
        try c.queryPrepared(
            """
            UPDATE member_history SET detail = detail || '{"external_id": null}'::jsonb
            WHERE member_id = ANY($1::bigint[]) AND detail ? 'external_id' AND detail->>'external_id' NOT LIKE 'erased:%'
            """, [.intArray(family)])
        try c.queryPrepared(
            """
            UPDATE account SET external_id = 'erased:' || id, name_sealed = NULL, nickname_sealed = NULL, phone_sealed = NULL,
                   email_sealed = NULL, birthday_sealed = NULL, address_sealed = NULL, match_sealed = NULL, gender = NULL, region = NULL,
                   platform_ids_sealed = NULL, attributes_sealed = NULL, raw_sealed = NULL, attribute_hashes = '{}',
                   platform_ids_legacy = NULL, attributes_legacy = NULL, raw_legacy = NULL, updated_at = now()
            WHERE id = ANY($1::bigint[])
            """, [.intArray(accounts)])
    }

    /// Deletes what matched the accounts to people: identity and blocking keys (blind indexes of the
    /// person's phone, e-mail, platform ids, name), guards that fired on them, tags derived from the
    /// pushed attributes; open review items of the family become obsolete.
    func forgetIdentity(_ c: PostgresConnection, family: [Int64], accounts: [Int64]) throws {
        try c.queryPrepared("DELETE FROM identity_key WHERE account_id = ANY($1::bigint[])", [.intArray(accounts)])
        try c.queryPrepared("DELETE FROM blocking_key WHERE account_id = ANY($1::bigint[])", [.intArray(accounts)])
        try c.queryPrepared(
            """
            DELETE FROM identity_flag
            WHERE (detail->>'account')::bigint = ANY($2::bigint[])
               OR (jsonb_typeof(detail->'members') = 'array'
                   AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(detail->'members') e WHERE e::bigint = ANY($1::bigint[])))
            """, [.intArray(family), .intArray(accounts)])
        try c.queryPrepared(
            """
            UPDATE review_item SET status = 'obsolete', decided_at = now(), decided_by = 'system', decision_reason = 'erased'
            WHERE status = 'open' AND (member_a = ANY($1::bigint[]) OR member_b = ANY($1::bigint[]))
            """, [.intArray(family)])
        try c.queryPrepared(
            "DELETE FROM member_tag WHERE member_id = ANY($1::bigint[]) AND source = 'attribute'", [.intArray(family)])
    }

    /// Marketing consent and its history are personal data too (what the member said, through which
    /// form): deleted. Without an answer no marketing reaches the member.
    func forgetConsent(_ c: PostgresConnection, family: [Int64]) throws {
        try c.queryPrepared("DELETE FROM marketing_consent_event WHERE member_id = ANY($1::bigint[])", [.intArray(family)])
        try c.queryPrepared("DELETE FROM marketing_consent WHERE member_id = ANY($1::bigint[])", [.intArray(family)])
    }

    /// The erasure in every family member's history (which also marks them erased) and in the audit
    /// log: who, which member, why, how much; no personal value.
    func record(
        _ c: PostgresConnection, family: MemberFamily, accounts: Int, keys: (destroyed: Int, kept: Int), reason: String, actor: String,
        actorTokenID: Int64?
    ) throws {
        let detail: JSONObject = ["reason": .string(reason)]
        try c.queryPrepared(
            """
            INSERT INTO member_history (member_id, action, actor, detail)
            SELECT m, $2, $3, $4::jsonb FROM unnest($1::bigint[]) AS t(m)
            """, [.intArray(family.members), .text(MemberFamily.erasedAction), .text(actor), .text(JSONSerializer.canonicalObject(detail))])
        try AuditLog.record(
            c, tokenID: actorTokenID, action: "member.erase", subject: "member:\(family.live)",
            detail: [
                "reason": reason, "members": family.members.map(String.init).joined(separator: ","), "accounts": String(accounts),
                "keys_destroyed": String(keys.destroyed), "keys_kept": String(keys.kept),
            ])
    }
}
