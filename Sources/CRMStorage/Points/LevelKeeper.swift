import CRMDomain
import CRMJSON
import CRMPostgres

/// Member levels inside the caller's transaction: where members stand against the ladder, rises
/// after orders, periodic re-evaluation with its grace period, operators' settings, and the levels
/// of merged and unmerged members. Every change is a `level_change` row, announced to the member
/// in the same transaction (`LevelAnnouncer`).
struct LevelKeeper {
    let c: PostgresConnection
    let ladder: LevelLadder
    /// The merchant's UTC offset, for the validity of level gift coupons.
    var offsetMinutes: Int = PointsPolicy().offsetMinutes

    /// A member's spend and orders against the ladder, and the level held.
    struct Standing {
        let member: Int64
        let spendFen: Int64
        let orders: Int64
        let code: String?
        let manual: Bool
        /// Whole days since an evaluation first found the member below their level.
        let belowDays: Int64?
    }

    /// Standings at the end of `asOfEnd` (UTC seconds), with the ladder's basis and window.
    func standings(_ members: [Int64], asOfEnd: Int64) throws -> [Standing] {
        guard !members.isEmpty else { return [] }
        let windowStart: String? =
            ladder.basis == .rolling
            ? CivilTime.rfc3339(CivilTime.addingMonths(-ladder.windowMonths, to: asOfEnd, offsetMinutes: 0)) : nil
        let params: [PostgresValue] = [.text(CivilTime.rfc3339(asOfEnd)), .optional(windowStart), .intArray(members)]
        return try c.queryPrepared(
            """
            SELECT m.id, COALESCE(s.spend, 0)::bigint, COALESCE(s.orders, 0)::bigint, l.level_code, COALESCE(l.manual, false),
                   CASE WHEN l.below_since IS NULL THEN NULL
                        ELSE floor(extract(epoch FROM ($1::timestamptz - l.below_since)) / 86400)::bigint END
            FROM (SELECT id FROM member WHERE id = ANY($3::bigint[]) AND merged_into IS NULL) m
            LEFT JOIN LATERAL (
                SELECT sum(o.amount_fen - o.refunded_fen) AS spend, count(*) FILTER (WHERE o.refunded_fen < o.amount_fen) AS orders
                FROM account a JOIN order_key o ON o.account_id = a.id
                WHERE a.member_id = m.id AND o.paid_at < $1::timestamptz AND ($2::timestamptz IS NULL OR o.paid_at >= $2::timestamptz)) s ON true
            LEFT JOIN member_level l ON l.member_id = m.id
            ORDER BY m.id
            """, params
        ).map {
            Standing(
                member: try $0.decode(at: 0), spendFen: try $0.decode(at: 1), orders: try $0.decode(at: 2), code: try $0.decode(at: 3),
                manual: try $0.decode(at: 4), belowDays: try $0.decode(at: 5))
        }
    }

    /// What an evaluation did.
    struct Outcome: Sendable {
        var members = 0
        var raised = 0
        var lowered = 0
        var pendingDrop = 0
    }

    /// Applies the ladder to standings: rises always; with `lowering`, the grace period and drops.
    @discardableResult
    func apply(_ standings: [Standing], lowering: Bool, reason: String, actor: String, asOfEnd: Int64, write: Bool = true) throws -> Outcome {
        var outcome = Outcome()
        var changes: (member: [Int64?], from: [String?], to: [String?], detail: [String?]) = ([], [], [], [])
        var graceStarts: [Int64?] = [], graceClears: [Int64?] = []
        for s in standings {
            outcome.members += 1
            let current = ladder.rank(of: s.code)
            let qualifying = ladder.qualifyingRank(spendFen: s.spendFen, orders: s.orders)
            let decision = ladder.evaluate(currentRank: current, qualifyingRank: qualifying, floorRank: s.manual ? current : 0, belowSinceDays: s.belowDays)
            let detail = JSONSerializer.serialize(["spend_fen": .int(s.spendFen), "orders": .int(s.orders)])
            switch decision {
            case .keep(let rank):
                if rank > current {
                    outcome.raised += 1
                    changes.member.append(s.member); changes.from.append(s.code); changes.to.append(ladder.levels[rank].code); changes.detail.append(detail)
                } else if s.belowDays != nil {
                    graceClears.append(s.member)
                }
            case .startGrace where lowering:
                outcome.pendingDrop += 1
                graceStarts.append(s.member)
            case .waitGrace where lowering:
                outcome.pendingDrop += 1
            case .drop(let rank) where lowering:
                outcome.lowered += 1
                changes.member.append(s.member); changes.from.append(s.code); changes.to.append(ladder.levels[rank].code); changes.detail.append(detail)
            case .startGrace, .waitGrace, .drop:
                break
            }
        }
        guard write else { return outcome }
        if !changes.member.isEmpty {
            try c.queryPrepared(
                """
                WITH t AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS t(m, f, tc, d)),
                u AS (INSERT INTO member_level (member_id, level_code, since, below_since, manual, updated_at)
                      SELECT m, tc, now(), NULL, false, now() FROM t
                      ON CONFLICT (member_id) DO UPDATE SET level_code = EXCLUDED.level_code, since = now(), below_since = NULL, manual = false, updated_at = now())
                INSERT INTO level_change (member_id, from_code, to_code, reason, actor, detail)
                SELECT m, COALESCE(f, $7), tc, $5, $6, d::jsonb FROM t
                """,
                [
                    .intArray(changes.member), .textArray(changes.from), .textArray(changes.to), .textArray(changes.detail),
                    .text(reason), .text(actor), .text(ladder.levels[0].code),
                ])
            try announcer.announce(
                changes.member.indices.map { .init(member: changes.member[$0]!, from: changes.from[$0], to: changes.to[$0]!) }, actor: actor)
        }
        if !graceStarts.isEmpty {
            try c.queryPrepared(
                "UPDATE member_level SET below_since = $2::timestamptz - interval '1 second', updated_at = now() WHERE member_id = ANY($1::bigint[])",
                [.intArray(graceStarts), .text(CivilTime.rfc3339(asOfEnd))])
        }
        if !graceClears.isEmpty {
            try c.queryPrepared("UPDATE member_level SET below_since = NULL, updated_at = now() WHERE member_id = ANY($1::bigint[])", [.intArray(graceClears)])
        }
        return outcome
    }

    /// After the ladder changed: members holding a code the ladder no longer has move to the rung
    /// their orders qualify for now (an operator's level on a removed rung is gone with it), each
    /// with a `level_change` row (reason `evaluate`, `ladder_changed` in its detail). Returns how many
    /// moved. Merged records left on such codes go to the entry rung, without history.
    func moveOffRemovedRungs(now: Int64, actor: String) throws -> Int {
        let codes = ladder.levels.map(\.code)
        let stale = try c.queryPrepared(
            """
            SELECT member_id FROM member_level WHERE level_code <> ALL($1::text[]) ORDER BY member_id FOR UPDATE
            """, [.textArray(codes)]
        ).map { try $0.decode(Int64.self, at: 0) }
        guard !stale.isEmpty else { return 0 }
        var changes: (member: [Int64?], to: [String?], detail: [String?]) = ([], [], [])
        for s in try standings(stale, asOfEnd: now + 1) {
            let rank = ladder.qualifyingRank(spendFen: s.spendFen, orders: s.orders)
            changes.member.append(s.member)
            changes.to.append(ladder.levels[rank].code)
            changes.detail.append(JSONSerializer.serialize(["ladder_changed": true, "spend_fen": .int(s.spendFen), "orders": .int(s.orders)]))
        }
        if !changes.member.isEmpty {
            try c.queryPrepared(
                """
                WITH t AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(m, tc, d)),
                h AS (INSERT INTO level_change (member_id, from_code, to_code, reason, actor, detail)
                      SELECT t.m, l.level_code, t.tc, 'evaluate', $4, t.d::jsonb FROM t JOIN member_level l ON l.member_id = t.m)
                UPDATE member_level l SET level_code = t.tc, since = now(), below_since = NULL, manual = false, updated_at = now()
                FROM t WHERE l.member_id = t.m
                """, [.intArray(changes.member), .textArray(changes.to), .textArray(changes.detail), .text(actor)])
        }
        // What is still on a removed code belongs to a merged record: the entry rung.
        try c.queryPrepared(
            "UPDATE member_level SET level_code = $2, below_since = NULL, manual = false, updated_at = now() WHERE level_code <> ALL($1::text[])",
            [.textArray(codes), .text(codes[0])])
        return changes.member.count
    }

    /// Raises members whose new orders qualify them (never lowers: a refund waits for evaluation).
    func raiseAfterOrders(_ members: [Int64], now: Int64, actor: String) throws {
        try apply(try standings(members, asOfEnd: now + 1), lowering: false, reason: "order", actor: actor, asOfEnd: now + 1)
    }

    /// Sets a member's level: an operator's (`manual`), or after a merge or unmerge.
    func set(_ member: Int64, to code: String, manual: Bool, reason: String, actor: String, detail: JSONObject) throws {
        let from = try c.queryPrepared("SELECT level_code FROM member_level WHERE member_id = $1 FOR UPDATE", [.int(member)]).single?.decode(
            String?.self, at: 0)
        try c.queryPrepared(
            """
            INSERT INTO member_level (member_id, level_code, since, below_since, manual, updated_at) VALUES ($1, $2, now(), NULL, $3, now())
            ON CONFLICT (member_id) DO UPDATE SET level_code = $2, since = CASE WHEN member_level.level_code = $2 THEN member_level.since ELSE now() END,
                below_since = NULL, manual = $3, updated_at = now()
            """, [.int(member), .text(code), .bool(manual)])
        if (from ?? ladder.levels[0].code) != code || manual {
            try c.queryPrepared(
                "INSERT INTO level_change (member_id, from_code, to_code, reason, actor, detail) VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
                [
                    .int(member), .text(from ?? ladder.levels[0].code), .text(code), .text(reason), .text(actor),
                    .text(JSONSerializer.canonicalObject(detail)),
                ])
            try announcer.announce([.init(member: member, from: from, to: code)], actor: actor)
        }
    }

    private var announcer: LevelAnnouncer { LevelAnnouncer(c: c, ladder: ladder, offsetMinutes: offsetMinutes) }

    /// After a merge the survivor holds the higher of the two levels, or what the combined orders qualify for.
    func afterMerge(survivor: Int64, merged: Int64, mergeID: Int64, now: Int64, actor: String) throws {
        var held: [Int64: (code: String?, manual: Bool)] = [:]
        for row in try c.queryPrepared(
            "SELECT member_id, level_code, manual FROM member_level WHERE member_id = ANY($1::bigint[])", [.intArray([survivor, merged])])
        {
            held[try row.decode(at: 0)] = (try row.decode(at: 1), try row.decode(at: 2))
        }
        guard let standing = try standings([survivor], asOfEnd: now + 1).first else { return }
        let rank = max(
            ladder.rank(of: held[survivor]?.code), ladder.rank(of: held[merged]?.code),
            ladder.qualifyingRank(spendFen: standing.spendFen, orders: standing.orders))
        let code = ladder.levels[rank].code
        let manual =
            (held[survivor]?.manual == true && ladder.rank(of: held[survivor]?.code) == rank)
            || (held[merged]?.manual == true && ladder.rank(of: held[merged]?.code) == rank)
        if code != (held[survivor]?.code ?? ladder.levels[0].code) || manual != (held[survivor]?.manual ?? false) {
            try set(survivor, to: code, manual: manual, reason: "merge", actor: actor, detail: ["merge_id": .int(mergeID), "merged": .string(String(merged))])
        }
    }

    /// After an unmerge both members hold what their own orders qualify for (an operator's level kept).
    func afterUnmerge(_ members: [Int64], mergeID: Int64, now: Int64, actor: String) throws {
        for s in try standings(members, asOfEnd: now + 1) {
            let current = ladder.rank(of: s.code)
            let rank = max(ladder.qualifyingRank(spendFen: s.spendFen, orders: s.orders), s.manual ? current : 0)
            if rank != current {
                try set(
                    s.member, to: ladder.levels[rank].code, manual: s.manual && rank == current, reason: "unmerge", actor: actor,
                    detail: ["merge_id": .int(mergeID), "spend_fen": .int(s.spendFen), "orders": .int(s.orders)])
            }
        }
    }
}
