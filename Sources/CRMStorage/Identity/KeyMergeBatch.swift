import CRMDomain
import CRMJSON
import CRMPostgres

/// The common case of identity resolution, in bulk: a new account of this push whose identity keys
/// lead to exactly one member already known, with no guard (`IdentityGuards`) firing on any of its keys, is merged into
/// that member by a few statements for the whole batch instead of some twenty per account through
/// `IdentityResolver`. `leads` decides which accounts qualify — exactly those for which the resolver
/// would make that one merge and nothing else (no flag, no fuzzy match) — and `merge` makes those
/// merges as `MemberMerger.merge` would, in order. The caller holds the identity lock.
struct KeyMergeBatch {
    let c: PostgresConnection
    let policy: IdentityPolicy
    let codec: PersonalDataCodec
    let merger: MemberMerger
    /// Members the push made for its new accounts. Each held its one account when made; one that the
    /// resolver has since merged with another new member holds more, and is no lead's (`KeyFacts.held`).
    let newMembers: Set<Int64>

    /// The one merge a new account's keys lead to.
    struct Lead {
        let account: Int64
        /// The account's member, new in this push: merged away.
        let member: Int64
        /// The member already known that its keys lead to: the survivor (the older of the two).
        let survivor: Int64
        /// The kind of the first key that leads there (the merge's rule).
        let kind: String
    }

    /// The guards, decided as the resolver decides them.
    var guards: IdentityGuards { IdentityGuards(policy: policy) }

    /// For each account (with its keys, in the resolver's order) whose resolution is exactly one
    /// merge into a known member, that merge; the others are left to the resolver.
    func leads(_ accounts: [(account: Int64, keys: [IdentityKey])]) throws -> [Int64: Lead] {
        let facts = try keyFacts(accounts)
        var leads: [Int64: Lead] = [:]
        var keysOf: [Int64: [IdentityKey]] = [:]
        var position = 0
        for (account, keys) in accounts {
            let mine = Array(facts[position..<position + keys.count])
            position += keys.count
            if let lead = lead(account: account, keys: keys, facts: mine) {
                leads[account] = lead
                keysOf[account] = keys
            }
        }
        return try passingPairGuards(leads, keysOf: keysOf)
    }

    /// What the guards and the lead need to know of one key of an account.
    private struct KeyFacts {
        /// The account's member now, and how many accounts it holds (more than one once the resolver
        /// merged it with another account of the push).
        var member: Int64 = 0
        var held = 0
        var blocked = false
        var perChannel = 0
        var total = 0
        /// The other members holding the key.
        var others: [Int64] = []

        var use: IdentityGuards.KeyUse { IdentityGuards.KeyUse(blocklisted: blocked, mostInOneShopChannel: perChannel, accounts: total) }
    }

    /// Per key of each account, in order: the account's member now, whether the blocklist holds the
    /// key, the guards' counts (as the resolver counts them) and the other members holding it. A
    /// key held by more accounts than `max_accounts_per_key` is guarded whatever else holds, so no
    /// more than one over that limit are read: below it nothing is cut off.
    private func keyFacts(_ accounts: [(account: Int64, keys: [IdentityKey])]) throws -> [KeyFacts] {
        var accs: [Int64] = [], kinds: [String?] = [], values: [String?] = []
        for (account, keys) in accounts {
            for key in keys {
                accs.append(account)
                kinds.append(key.kind)
                values.append(codec.index(kind: key.kind, key.value))
            }
        }
        guard !accs.isEmpty else { return [] }
        var facts = [KeyFacts](repeating: KeyFacts(), count: accs.count)
        for row in try c.queryPrepared(
            """
            SELECT t.n, a.member_id, (SELECT count(*) FROM account z WHERE z.member_id = a.member_id),
                   EXISTS (SELECT 1 FROM identity_blocklist b WHERE b.kind = t.kind AND b.value = t.value),
                   g.per_channel, g.total, d.member_id
            FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS t(acc, kind, value, n)
            JOIN account a ON a.id = t.acc
            CROSS JOIN LATERAL (
                SELECT COALESCE(max(n), 0) AS per_channel, COALESCE(sum(n), 0) AS total FROM (
                    SELECT count(*) AS n FROM (
                        SELECT x.shop_id, x.channel FROM identity_key k JOIN account x ON x.id = k.account_id
                        WHERE k.kind = t.kind AND k.value = t.value LIMIT $4) held
                    GROUP BY shop_id, channel) per) g
            LEFT JOIN LATERAL (
                SELECT DISTINCT o.member_id FROM identity_key k JOIN account o ON o.id = k.account_id
                WHERE k.kind = t.kind AND k.value = t.value AND o.member_id <> a.member_id LIMIT $4) d ON true
            ORDER BY t.n
            """, [.intArray(accs), .textArray(kinds), .textArray(values), .int(Int64(policy.maxAccountsPerKey) + 1)])
        {
            let n = Int(try row.decode(Int64.self, at: 0)) - 1
            facts[n].member = try row.decode(at: 1)
            facts[n].held = try row.decode(at: 2)
            facts[n].blocked = try row.decode(at: 3)
            facts[n].perChannel = try row.decode(at: 4)
            facts[n].total = try row.decode(at: 5)
            if let other: Int64 = try row.decode(at: 6) { facts[n].others.append(other) }
        }
        return facts
    }

    /// The merge a new account's keys lead to when none of them is stopped by a key guard and they
    /// lead to exactly one known member, older than the account's own.
    private func lead(account: Int64, keys: [IdentityKey], facts: [KeyFacts]) -> Lead? {
        let member = facts.first?.member ?? 0
        // A member that grew in this push moves more than the account: the resolver merges it.
        guard newMembers.contains(member), facts.first?.held == 1 else { return nil }
        let guards = self.guards
        guard !zip(keys, facts).contains(where: { key, f in guards.stop(key: key, use: { f.use }) != nil }) else { return nil }
        let others = Set(facts.flatMap(\.others))
        guard others.count == 1, let survivor = others.first, survivor < member, !newMembers.contains(survivor),
            let linking = zip(keys, facts).first(where: { !$0.1.others.isEmpty })?.0
        else { return nil }
        return Lead(account: account, member: member, survivor: survivor, kind: linking.kind)
    }

    /// The leads the pair guards let through (the others are left to the resolver, which flags
    /// them). No separation can hold: the merged member is new in this push, and operators separate
    /// members that exist. A stronger kind is looked up on the survivors only for accounts that
    /// carry a key stronger than the linking one.
    private func passingPairGuards(_ leads: [Int64: Lead], keysOf: [Int64: [IdentityKey]]) throws -> [Int64: Lead] {
        let guards = self.guards
        let needing = leads.values.filter { lead in
            let rank = IdentityKey.rank(lead.kind, policy.keyPriority)
            return keysOf[lead.account]!.contains { IdentityKey.rank($0.kind, policy.keyPriority) < rank }
        }
        guard !needing.isEmpty else { return leads }
        var theirs: [Int64: [String: Set<String>]] = [:]
        for row in try c.queryPrepared(
            """
            SELECT a.member_id, k.kind, k.value FROM account a JOIN identity_key k ON k.account_id = a.id WHERE a.member_id = ANY($1::bigint[])
            """, [.intArray(Array(Set(needing.map(\.survivor))))])
        {
            theirs[try row.decode(at: 0), default: [:]][try row.decode(at: 1), default: []].insert(try row.decode(at: 2))
        }
        var passing = leads
        for lead in needing {
            let values = theirs[lead.survivor] ?? [:]
            let fired = guards.stop(
                mergingOn: lead.kind, keys: keysOf[lead.account]!, separated: { false },
                stored: { codec.index(kind: $0.kind, $0.value) }, theirValues: { values[$0] ?? [] })
            if fired != nil { passing[lead.account] = nil }
        }
        return passing
    }

    /// Merges each lead's member into its survivor, in order, as `MemberMerger.merge` does for a
    /// member new in the push: the account moves, a merge record with the merged member's snapshot,
    /// open reviews between the two settled, history on both sides, the merged member's tags moved,
    /// and each survivor's golden record recomputed once.
    func merge(_ leads: [Lead]) throws {
        guard !leads.isEmpty else { return }
        let merged = leads.map(\.member), survivors = leads.map(\.survivor)
        precondition(Set(merged).count == merged.count && Set(merged).isDisjoint(with: survivors), "each new member merges once, into a member that stays")
        let involved = Array(Set(merged + survivors)).sorted()
        // NO KEY UPDATE, in id order: rows that merely reference these members (lots, history) do not block it.
        let live = try c.queryPrepared(
            "SELECT id FROM member WHERE id = ANY($1::bigint[]) AND merged_into IS NULL ORDER BY id FOR NO KEY UPDATE",
            [.intArray(involved)])
        precondition(live.count == involved.count, "merge of members that are not all live")
        try merger.checkHoldNothing(merged)
        try merger.beforeMergingAway(merged)
        let rules = leads.map { "key:\($0.kind)" }, reasons = leads.map { "shared \($0.kind)" }
        let evidence = leads.map { JSONSerializer.canonicalObject(["kind": .string($0.kind)]) }
        // Snapshot, move, mark, record: one statement, records in the leads' order.
        var recordOf: [Int64: Int64] = [:]
        for row in try c.queryPrepared(
            """
            WITH t AS MATERIALIZED (
                SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(merged, survivor, rule, reason, evidence, n)),
            snap AS MATERIALIZED (SELECT t.n, to_jsonb(m) - 'merged_into' AS snapshot FROM t JOIN member m ON m.id = t.merged),
            moved AS (UPDATE account a SET member_id = t.survivor, updated_at = now() FROM t WHERE a.member_id = t.merged RETURNING t.n, a.id),
            marked AS (UPDATE member m SET merged_into = t.survivor, updated_at = now() FROM t WHERE m.id = t.merged),
            purchases_moved AS (UPDATE member_purchase p SET member_id = t.survivor FROM t WHERE p.member_id = t.merged),
            rec AS (INSERT INTO merge_record (survivor_id, merged_id, account_ids, snapshot, rule, score, evidence, actor, reason)
                    SELECT t.survivor, t.merged, ARRAY(SELECT mv.id FROM moved mv WHERE mv.n = t.n ORDER BY mv.id), s.snapshot, t.rule, NULL,
                           t.evidence::jsonb, 'system', t.reason
                    FROM t JOIN snap s USING (n) ORDER BY t.n
                    RETURNING id, merged_id, cardinality(account_ids) AS moved, account_ids[1] AS account)
            SELECT merged_id, id, moved, account FROM rec
            """, [.intArray(merged), .intArray(survivors), .textArray(rules), .textArray(reasons), .textArray(evidence)])
        {
            let member: Int64 = try row.decode(at: 0)
            let moved: Int64 = try row.decode(at: 2)
            let account: Int64? = try row.decode(at: 3)
            precondition(moved == 1 && leads.contains { $0.member == member && $0.account == account }, "each merged member had exactly its one new account")
            recordOf[member] = try row.decode(at: 1)
        }
        precondition(recordOf.count == leads.count, "every lead was merged")
        for lead in leads { merger.pushMerges?.record(merged: lead.member, into: lead.survivor) }
        try c.queryPrepared(
            """
            UPDATE review_item r SET status = 'obsolete', decided_at = now(), decided_by = 'system', decision_reason = 'merged'
            FROM unnest($1::bigint[], $2::bigint[]) AS t(a, b)
            WHERE r.status = 'open' AND r.member_a = LEAST(t.a, t.b) AND r.member_b = GREATEST(t.a, t.b)
            """, [.intArray(survivors), .intArray(merged)])
        // History, in the order the merges are made: the survivor's line, then the merged member's.
        var historyMembers: [Int64?] = [], actions: [String?] = [], details: [String?] = []
        for (lead, (rule, reason)) in zip(leads, zip(rules, reasons)) {
            let sides = MemberMerger.mergeHistory(
                recordID: recordOf[lead.member]!, rule: rule, score: nil, reason: reason,
                survivor: lead.survivor, merged: lead.member, accounts: [lead.account])
            historyMembers += [lead.survivor, lead.member]
            actions += ["merged", "merged_into"]
            details += [JSONSerializer.canonicalObject(sides.survivor), JSONSerializer.canonicalObject(sides.merged)]
        }
        try c.queryPrepared(
            """
            INSERT INTO member_history (member_id, action, actor, detail)
            SELECT m, a, 'system', d::jsonb FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS t(m, a, d, n) ORDER BY n
            """, [.intArray(historyMembers), .textArray(actions), .textArray(details)])
        try merger.goldenChanged(Array(Set(survivors)).sorted())
        try MemberTagTransfer(c: c).merge(from: merged, to: survivors)
    }
}
