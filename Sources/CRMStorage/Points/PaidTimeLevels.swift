import CRMDomain
import CRMJSON
import CRMPostgres

/// The level an order earns at: the rung the member's orders paid before it qualify for (their
/// amounts, refunds not deducted: a refund lowers a level only through the periodic evaluation's
/// grace; within the ladder's rolling window when it has one), or the level an operator set for
/// the member before it was paid, whichever is higher. A function of the data, whatever order the
/// pushes arrive in; so an order arriving late that is paid before orders already earned re-rates
/// them (`rerateLater`).
extension PointsLedger {
    /// An order to rate: its id, member and paid time (RFC 3339).
    struct PaidAt {
        let order: Int64
        let member: Int64
        let paidAt: String
    }

    /// The rank (in `ladder`) each order earns at, by order id.
    func earningRanks(_ orders: [PaidAt], ladder: LevelLadder) throws -> [Int64: Int] {
        var out: [Int64: Int] = [:]
        guard !orders.isEmpty else { return out }
        let window: Int64? = ladder.basis == .rolling ? ladder.windowMonths : nil
        for row in try c.queryPrepared(
            """
            SELECT t.o, COALESCE(s.spend, 0)::bigint, COALESCE(s.n, 0)::bigint, mf.code
            FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS t(o, m, p)
            LEFT JOIN LATERAL (
                SELECT LEAST(COALESCE(sum(x.amount_fen), 0), 9223372036854775807) AS spend, count(*) AS n
                FROM account a JOIN order_key x ON x.account_id = a.id
                WHERE a.member_id = t.m AND x.paid_at < t.p::timestamptz
                  AND ($4::integer IS NULL OR x.paid_at >= t.p::timestamptz - make_interval(months => $4::integer))) s ON true
            LEFT JOIN LATERAL (
                SELECT to_code AS code FROM level_change
                WHERE member_id = t.m AND reason = 'manual' AND at <= t.p::timestamptz ORDER BY at DESC, id DESC LIMIT 1) mf ON true
            """, [.intArray(orders.map(\.order)), .intArray(orders.map(\.member)), .textArray(orders.map(\.paidAt)), .optional(window)])
        {
            let byOrders = ladder.qualifyingRank(spendFen: try row.decode(at: 1), orders: try row.decode(at: 2))
            let manual: String? = try row.decode(at: 3)
            // A code the ladder no longer has is no floor (rank 0).
            out[try row.decode(at: 0)] = max(byOrders, ladder.rank(of: manual))
        }
        return out
    }

    /// An order already earned that a newly arrived, earlier-paid order may re-rate.
    private struct Earned {
        let order: Int64
        let member: Int64
        let paidAt: String
        let explanation: JSONValue
        let current: Int64
        let accrualOrder: AccrualOrder
        /// What its refunds refunded so far, the points they were due (the `due` of its `reverse`
        /// entries), and the latest refund.
        let refundedFen: Int64
        let reversedDue: Int64
        let lastRefund: Int64?
    }

    /// Re-rates the members' orders that were earned before `arrived` came in but are paid after the
    /// earliest of them: each earns what it would have earned had everything arrived in paid order
    /// (the same rate and rule versions as its earning, the level from `earningRanks`). The difference
    /// is an `earn` entry with a lot of its own, or a `reverse` entry taking points back by the refund
    /// policy; both carry the order and `rerate` in their detail. An order already refunded has its
    /// refunds' take-back brought in line too (`catchUpRefunds`), so it ends as paid order would
    /// leave it; one that a re-rating would lower is left as it is. A rule capped per member and day
    /// never gives more than it gave.
    func rerateLater(than arrived: [PaidAt], ladder: LevelLadder, actor: String) throws {
        guard !arrived.isEmpty else { return }
        var earliest: [Int64: String] = [:]
        for o in arrived where earliest[o.member].map({ CivilTime.seconds(rfc3339: o.paidAt)! < CivilTime.seconds(rfc3339: $0)! }) ?? true {
            earliest[o.member] = o.paidAt
        }
        let later = try earnedAfter(earliest, excluding: arrived.map(\.order))
        guard !later.isEmpty else { return }
        let ranks = try earningRanks(later.map { PaidAt(order: $0.order, member: $0.member, paidAt: $0.paidAt) }, ladder: ladder)
        var rules: [Int64: AccrualRule] = [:]
        for e in later {
            guard let rank = ranks[e.order] else { continue }
            let level = ladder.levels[rank]
            // Its last earning or re-rating was at this level already.
            if e.explanation["level"]?["code"]?.stringValue == level.code { continue }
            let accrual = try reaccrue(e, level: level, rules: &rules)
            let delta = accrual.total - e.current
            // Lowering a refunded order would give back what its refunds took: only an unmerge
            // lowers a level an order earned at, never a late order; such an order stays.
            guard delta > 0 || (delta < 0 && e.refundedFen == 0) else { continue }
            let (earned, lot) = try writeRerate(e, accrual: accrual, delta: delta, actor: actor)
            if e.refundedFen > 0 { try catchUpRefunds(e, earned: earned, lot: lot, level: level, actor: actor) }
        }
    }

    /// The orders of each member paid after the member's time in `after` that earned something, with
    /// what they earned so far (earning, re-ratings) and the explanation of the last, and their refunds.
    private func earnedAfter(_ after: [Int64: String], excluding: [Int64]) throws -> [Earned] {
        try c.queryPrepared(
            """
            SELECT o.id, t.m, crm_rfc3339(o.paid_at), last.detail::text,
                   \(OrderPointsSQL.earned),
                   o.amount_fen, s.code, o.channel, o.payment_method, o.items::text, o.refunded_fen,
                   \(OrderPointsSQL.refundsDue),
                   (SELECT max(r.id) FROM refund r WHERE r.order_id = o.id)
            FROM unnest($1::bigint[], $2::text[]) AS t(m, p)
            JOIN account a ON a.member_id = t.m
            JOIN order_key k ON k.account_id = a.id AND k.paid_at > t.p::timestamptz AND k.order_id <> ALL($3::bigint[])
            JOIN shop_order o ON o.id = k.order_id
            JOIN shop s ON s.id = o.shop_id
            JOIN LATERAL (SELECT detail FROM points_entry e WHERE e.order_id = o.id AND e.id >= crm_month_floor(o.id) AND e.detail ? 'level'
                                 AND (e.kind = 'earn' OR (e.kind = 'reverse' AND e.detail ? 'rerate_points'))
                          ORDER BY e.id DESC LIMIT 1) last ON true
            ORDER BY t.m, o.paid_at, o.id
            """, [.intArray(Array(after.keys)), .textArray(Array(after.values)), .intArray(excluding)]
        ).map { row in
            let paidAt: String = try row.decode(at: 2)
            let explanation = try JSONParser.parse(try row.decode(String.self, at: 3))
            guard let channel = Channel(rawValue: try row.decode(at: 7)), let paid = CivilTime.seconds(rfc3339: paidAt) else {
                preconditionFailure("stored orders have a known channel and a paid time")
            }
            let order = AccrualOrder(
                shop: try row.decode(at: 6), channel: channel, amountFen: try row.decode(at: 5), paymentMethod: try row.decode(at: 8),
                paidAt: paid, items: Self.items(try row.decode(at: 9)))
            return Earned(
                order: try row.decode(at: 0), member: try row.decode(at: 1), paidAt: paidAt, explanation: explanation,
                current: try row.decode(at: 4), accrualOrder: order, refundedFen: try row.decode(at: 10),
                reversedDue: try row.decode(at: 11), lastRefund: try row.decode(at: 12))
        }
    }

    /// What `e` earns at `level`, with the rate and rule versions of its earning.
    private func reaccrue(_ e: Earned, level: LevelLadder.Level, rules: inout [Int64: AccrualRule]) throws -> Accrual {
        let x = e.explanation
        guard let rate = x["rate"]?.stringValue.flatMap(Money.parseFen) else { preconditionFailure("earnings name their rate") }
        let used = x["rules"]?.arrayValue ?? []
        let missing = used.compactMap { $0["id"]?.int64Value }.filter { rules[$0] == nil }
        if !missing.isEmpty {
            for row in try c.queryPrepared("SELECT id, name, version, definition::text FROM points_rule WHERE id = ANY($1::bigint[])", [.intArray(missing)]) {
                let name: String = try row.decode(at: 1)
                guard let object = try JSONParser.parse(try row.decode(String.self, at: 3)).objectValue,
                    let rule = try? AccrualRuleDefinition.parse(object, id: try row.decode(at: 0), name: name, version: try row.decode(at: 2))
                else {
                    preconditionFailure("stored rule \(name) no longer parses")
                }
                rules[rule.id] = rule
            }
        }
        // A rule capped per day keeps the room it had: what it gave, never more.
        var usedToday: [String: Int64] = [:]
        var applied: [AccrualRule] = []
        for r in used {
            guard let id = r["id"]?.int64Value, let rule = rules[id] else { continue }
            if let cap = rule.capPerMemberPerDay { usedToday[rule.name] = cap - (r["bonus"]?.int64Value ?? 0) }
            applied.append(rule)
        }
        return Accrual.compute(
            order: e.accrualOrder, rateCenti: rate, levelCode: level.code, levelMultiplierPercent: level.pointsMultiplierPercent,
            rules: applied, usedToday: usedToday, maxPoints: policy.maxPointsPerOrder)
    }

    /// Writes the difference a re-rating makes to an order's points; returns what the order has
    /// earned now (less than the accrual when the balance limit cut the difference) and the lot of a rise.
    private func writeRerate(_ e: Earned, accrual: Accrual, delta: Int64, actor: String) throws -> (earned: Int64, lot: Int64?) {
        var x = Self.explanation(
            accrual, amountFen: e.accrualOrder.amountFen, total: accrual.total,
            limit: accrual.limitedTo.map { (PointsLimits.Kind.pointsPerOrder.name, $0) }
        ).objectValue!
        x["rerate"] = ["previous_total": .int(e.current), "because": "an order paid earlier arrived later"]
        guard let paid = CivilTime.seconds(rfc3339: e.paidAt) else { preconditionFailure("paid_at is RFC 3339") }
        if delta > 0 {
            _ = try lockAccount(e.member)
            let points = min(delta, try headroom(e.member))
            guard points > 0 else { return (e.current, nil) }
            let lot: Int64 = try c.queryPrepared(
                """
                INSERT INTO points_lot (member_id, origin_member_id, order_id, earned_at, available_at, expires_at, amount, remaining)
                VALUES ($1, $1, $2, $3::timestamptz, GREATEST($4::timestamptz, $3::timestamptz), $5::timestamptz, $6, 0) RETURNING id
                """,
                [
                    .int(e.member), .int(e.order), .text(e.paidAt), .text(CivilTime.rfc3339(policy.availableAt(earnedAt: paid))),
                    .optional(policy.expiresAt(earnedAt: paid).map(CivilTime.rfc3339)), .int(points),
                ]
            ).single!.decode(at: 0)
            try write(Entry(member: e.member, kind: "earn", points: points, links: [(lot, points)], orderID: e.order, detail: x, actor: actor))
            return (e.current + points, lot)
        } else {
            x["rerate_points"] = .int(-delta)
            try takeBack(
                -delta, from: e.member, preferring: { $0.orderID == e.order },
                entry: Entry(
                    member: e.member, kind: "reverse", points: 0, orderID: e.order, detail: x, actor: actor, reason: "re-rated at the level held when paid"))
            return (e.current + delta, nil)
        }
    }

    /// Brings a refunded order's take-back in line with what it has `earned` now: its refunds are due
    /// `⌊ earned × refunded / amount ⌋` (all of it when refunded in full), as if they had come after
    /// the re-rated earning; what that adds to what they were due is a `reverse` entry naming the
    /// order, its latest refund and `rerate`, counted with the refunds' `due` by later refunds. It is
    /// taken back by the refund policy from the re-rating's own `lot` first, which holds it: the
    /// refunded share of a rise is never more than the rise.
    private func catchUpRefunds(_ e: Earned, earned: Int64, lot: Int64?, level: LevelLadder.Level, actor: String) throws {
        let due = PointsPolicy.reversedPoints(earned: earned, orderFen: e.accrualOrder.amountFen, refundedFen: e.refundedFen) - e.reversedDue
        guard due > 0 else { return }
        _ = try lockAccount(e.member)
        let lots = try lockLots(e.member)
        let plan = takeBackPlan(due, from: lots.filter { $0.id == lot } + lots.filter { $0.id != lot }, preferring: { $0.orderID == e.order })
        let detail: JSONObject = [
            "due": .int(due), "shortfall": .int(plan.shortfall),
            "level": ["code": .string(level.code), "multiplier_percent": .int(level.pointsMultiplierPercent)],
            "rerate": [
                "previous_total": .int(e.current), "earned": .int(earned), "refunded_fen": .int(e.refundedFen),
                "because": "an order paid earlier arrived later",
            ],
        ]
        try write(
            Entry(
                member: e.member, kind: "reverse", points: -(plan.taken.reduce(0) { $0 + $1.points } + plan.debt), debtChange: plan.debt,
                links: plan.taken.map { ($0.lot, -$0.points) }, orderID: e.order, refundID: e.lastRefund, detail: detail, actor: actor,
                reason: "refunds figured again on the re-rated earning"))
    }
}
