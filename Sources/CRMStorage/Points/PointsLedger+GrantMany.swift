import CRMDomain
import CRMJSON
import CRMPostgres

extension PointsLedger {
    /// What `grantMany` did: each granted member's entry, and the members the balance limit left out.
    struct ManyGranted {
        var entries: [Int64: Int64] = [:]
        var refused: [Int64] = []
    }

    /// Grants the same `points` to each of `members` at once (spendable now, expiring as the policy
    /// says), as `kind` entries — the set-based twin of `grant` for campaigns: the accounts locked in
    /// id order, one statement for the lots, entries, their links and the debts they settle. A member
    /// the balance limit has no room for is left out (refused); nothing is half done for anyone.
    func grantMany(
        _ points: Int64, to members: [Int64], kind: String, detail: JSONObject?, actor: String, reason: String?, period: String?
    ) throws
        -> ManyGranted
    {
        precondition(points > 0 && Set(members).count == members.count, "a positive grant, to each member once")
        var out = ManyGranted()
        guard !members.isEmpty else { return out }
        try lockAccounts(members)
        let held = try held(members)
        var debt: [Int64: Int64] = [:]
        for row in try c.queryPrepared("SELECT member_id, debt FROM points_account WHERE member_id = ANY($1::bigint[])", [.intArray(members)]) {
            debt[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        let granted = members.filter { max(0, policy.maxBalance - min(held[$0] ?? 0, policy.maxBalance)) >= points }
        out.refused = members.filter { !granted.contains($0) }
        guard !granted.isEmpty else { return out }
        let now = try self.now()
        let settle = granted.map { min(debt[$0] ?? 0, points) }
        for row in try c.queryPrepared(
            """
            WITH t AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS t(m, settle, n)),
            lots AS (
                INSERT INTO points_lot (member_id, origin_member_id, earned_at, available_at, expires_at, amount, remaining)
                SELECT m, m, $3::timestamptz, $3::timestamptz, $4::timestamptz, $5, $5 - settle FROM t ORDER BY n RETURNING id, member_id),
            entries AS (
                INSERT INTO points_entry (member_id, kind, points, debt_change, at, period, detail, actor, reason)
                SELECT m, $6, $5, -settle, $3::timestamptz, $7, $8::jsonb, $9, $10 FROM t ORDER BY n RETURNING id, member_id),
            links AS (
                INSERT INTO points_entry_lot (entry_id, lot_id, points)
                SELECT e.id, l.id, $5 - t.settle FROM entries e JOIN lots l USING (member_id) JOIN t ON t.m = e.member_id WHERE $5 - t.settle <> 0),
            debts AS (UPDATE points_account a SET debt = a.debt - t.settle FROM t WHERE a.member_id = t.m AND t.settle <> 0)
            SELECT member_id, id FROM entries
            """,
            [
                .intArray(granted), .intArray(settle), .text(CivilTime.rfc3339(now)), .optional(policy.expiresAt(earnedAt: now).map(CivilTime.rfc3339)),
                .int(points), .text(kind), .optional(period), detail.map { .text(JSONSerializer.canonicalObject($0)) } ?? .null, .text(actor),
                .optional(reason),
            ])
        {
            out.entries[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        precondition(out.entries.count == granted.count, "every granted member has an entry")
        return out
    }
}
