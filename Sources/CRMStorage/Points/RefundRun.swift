import CRMDomain
import CRMJSON
import CRMPostgres

/// The refunds of one pushed segment, applied set-based: a few statements for the whole run
/// instead of a savepoint and about ten statements per refund. The end state, every outcome and
/// every rejection are those of applying the refunds one at a time in push order: each refund sees
/// what the refunds before it left of its order, of the points the order earned and of the member's
/// lots. A run in which a refunded order qualified a referral binding that paid its rewards (a
/// refund may void it and take points back between two refunds) goes one refund at a time instead:
/// `apply` answers nil and writes nothing, and `EventApplier` applies each refund `alone`, in its own
/// savepoint, followed by what it does to the referral.
///
/// The caller holds the shop's lock and the identity lock (shared at least), so no other push
/// refunds this shop's orders or moves these members meanwhile.
struct RefundRun {
    let c: PostgresConnection
    let shopID: Int64
    let policy: PointsPolicy

    /// A refund to apply, at its place in the push.
    typealias Item = BulkIngest.Indexed<Refund>

    /// What the run did with one refund: its outcome, and the order it refunded when applied.
    typealias Applied = (outcome: EventOutcome, order: Int64?)

    /// An order as the run found it, locked, updated in memory as the run's refunds apply.
    private struct OrderState {
        let id: Int64
        let amountFen: Int64
        var refundedFen: Int64
        let member: Int64
        let earned: Int64
        /// Points already due back to it (the `due` of its `reverse` entries).
        var reversedDue: Int64
    }

    /// A refund accepted by the run, with the points it takes back.
    private struct Accepted {
        let item: Item
        let order: Int64
        let member: Int64
        let due: Int64
        var taken: [(lot: Int64, points: Int64)] = []
        var shortfall: Int64 = 0
        var debt: Int64 = 0
    }

    /// Applies `items` (in push order); one result per item, or nil when the run must go one refund at
    /// a time. `alone`: a single refund that the caller follows with its referral step.
    func apply(_ items: [Item], alone: Bool = false) throws -> [Applied]? {
        precondition(!alone || items.count == 1, "a refund applied alone is one refund")
        guard !items.isEmpty else { return [] }
        let keys = items.map { $0.event.channel.rawValue + " " + $0.value.orderNo }
        try lockMembers(items)
        let (lockedOrders, rewarded) = try orderStates(items)
        var orders = lockedOrders
        guard alone || !rewarded else { return nil }
        var takenNumbers = Set(
            try c.queryPrepared(
                "SELECT refund_no FROM refund WHERE shop_id = $1 AND refund_no = ANY($2::text[])",
                [.int(shopID), .textArray(items.map(\.value.refundNo))]
            ).map { try $0.decode(String.self, at: 0) })

        // Decide each refund in order, as the one-by-one path would: the order, then the amount, then the number.
        var outcomes: [Applied?] = Array(repeating: nil, count: items.count)
        var accepted: [Accepted] = []
        for (position, item) in items.enumerated() {
            guard var order = orders[keys[position]] else {
                outcomes[position] = (
                    EventOutcome(eventID: item.event.id, status: .rejected, rejection: EventApplier.orderNotFound(item.value, index: item.index)), nil
                )
                continue
            }
            let left = order.amountFen - order.refundedFen
            guard item.value.amountFen <= left else {
                outcomes[position] = (
                    EventOutcome(
                        eventID: item.event.id, status: .rejected,
                        rejection: EventApplier.refundExceedsOrder(item.value, left: left, index: item.index)), nil
                )
                continue
            }
            guard takenNumbers.insert(item.value.refundNo).inserted else {
                outcomes[position] = (
                    EventOutcome(eventID: item.event.id, status: .rejected, rejection: EventApplier.refundExists(item.value, index: item.index)), nil
                )
                continue
            }
            order.refundedFen += item.value.amountFen
            let owed = PointsPolicy.reversedPoints(earned: order.earned, orderFen: order.amountFen, refundedFen: order.refundedFen)
            let due = owed - order.reversedDue
            if due > 0 { order.reversedDue += due }
            orders[keys[position]] = order
            accepted.append(Accepted(item: item, order: order.id, member: order.member, due: due))
            outcomes[position] = (EventOutcome(eventID: item.event.id, status: .applied, memberID: order.member), order.id)
        }
        guard !accepted.isEmpty else { return outcomes.map { $0! } }

        try planTakeBack(&accepted)
        try write(accepted)
        return outcomes.map { $0! }
    }

    /// The refunded orders, locked, by `channel order_no`: amounts, what they earned and what their
    /// refunds were due; and whether any qualified a rewarded referral.
    private func orderStates(_ items: [Item]) throws -> (orders: [String: OrderState], rewarded: Bool) {
        var orders: [String: OrderState] = [:]
        var rewarded = false
        for row in try c.queryPrepared(
            """
            SELECT o.channel || ' ' || o.order_no, o.id, o.amount_fen, o.refunded_fen, a.member_id, m.merged_into IS NULL,
                   \(OrderPointsSQL.earned),
                   \(OrderPointsSQL.refundsDue),
                   EXISTS (SELECT 1 FROM referral_binding b WHERE b.qualified_order_id = o.id AND b.status = 'rewarded')
            FROM order_key k JOIN shop_order o ON o.id = k.order_id JOIN account a ON a.id = o.account_id JOIN member m ON m.id = a.member_id
            WHERE k.shop_id = $1 AND (k.channel, k.order_no) IN (SELECT * FROM unnest($2::text[], $3::text[]))
            ORDER BY o.id FOR UPDATE OF o
            """, [.int(shopID), .textArray(items.map { $0.event.channel.rawValue }), .textArray(items.map(\.value.orderNo))])
        {
            let live: Bool = try row.decode(at: 5)
            precondition(live, "an account always belongs to a live member (merges move accounts)")
            orders[try row.decode(String.self, at: 0)] = OrderState(
                id: try row.decode(at: 1), amountFen: try row.decode(at: 2), refundedFen: try row.decode(at: 3), member: try row.decode(at: 4),
                earned: try row.decode(at: 6), reversedDue: try row.decode(at: 7))
            if try row.decode(Bool.self, at: 8) { rewarded = true }
        }
        return (orders, rewarded)
    }

    /// Plans taking the points back from the lots, refund after refund, by `PointsLedger.takeBack`'s plan.
    private func planTakeBack(_ accepted: inout [Accepted]) throws {
        let ledger = PointsLedger(c: c, policy: policy)
        let owing = Array(Set(accepted.filter { $0.due > 0 }.map(\.member))).sorted()
        try ledger.lockAccounts(owing)
        var lots = try ledger.lockLots(ofMembers: owing)
        for k in accepted.indices where accepted[k].due > 0 {
            let r = accepted[k]
            let plan = ledger.takeBackPlan(r.due, from: lots[r.member, default: []], preferring: { $0.orderID == r.order })
            accepted[k].taken = plan.taken
            accepted[k].shortfall = plan.shortfall
            accepted[k].debt = plan.debt
            guard !plan.taken.isEmpty else { continue }
            let takenFrom = Dictionary(uniqueKeysWithValues: plan.taken.map { ($0.lot, $0.points) })
            lots[r.member] = lots[r.member, default: []].map { lot in
                guard let t = takenFrom[lot.id] else { return lot }
                return PointsLedger.LockedLot(id: lot.id, remaining: lot.remaining - t, orderID: lot.orderID, pending: lot.pending, lapsed: lot.lapsed)
            }
        }
    }

    /// Locks the points accounts of the refunded orders' members (in id order, as every points path
    /// does) before what their orders earned is read: another shop's push earning for the same
    /// member may have re-rated these orders (PaidTimeLevels) and not committed yet. It holds the
    /// accounts until it commits, so the orders are read after it, and each refund takes its share
    /// of what the order earns in the end.
    private func lockMembers(_ items: [Item]) throws {
        let members = try c.queryPrepared(
            """
            SELECT DISTINCT a.member_id FROM order_key k JOIN account a ON a.id = k.account_id
            WHERE k.shop_id = $1 AND (k.channel, k.order_no) IN (SELECT * FROM unnest($2::text[], $3::text[]))
            """, [.int(shopID), .textArray(items.map { $0.event.channel.rawValue }), .textArray(items.map(\.value.orderNo))]
        )
        .map { try $0.decode(Int64.self, at: 0) }
        try PointsLedger(c: c, policy: policy).lockAccounts(members)
    }

    /// Writes the accepted refunds, their orders' refunded amounts (the order's and its key's) and their
    /// `reverse` entries.
    private func write(_ accepted: [Accepted]) throws {
        var refundID: [String: Int64] = [:]
        for row in try c.queryPrepared(
            """
            INSERT INTO refund (shop_id, order_id, refund_no, amount_fen, refunded_at, event_id)
            SELECT $1, o, no, amt, at::timestamptz, ev FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[])
                 WITH ORDINALITY AS t(o, no, amt, at, ev, n)
            ORDER BY n
            RETURNING refund_no, id
            """,
            [
                .int(shopID), .intArray(accepted.map(\.order)), .textArray(accepted.map(\.item.value.refundNo)),
                .intArray(accepted.map(\.item.value.amountFen)), .textArray(accepted.map(\.item.value.refundedAt)),
                .textArray(accepted.map(\.item.event.id)),
            ])
        {
            refundID[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        precondition(refundID.count == accepted.count, "every accepted refund number was free")
        try c.queryPrepared(
            """
            WITH s AS MATERIALIZED (SELECT o, sum(amt) AS amt FROM unnest($1::bigint[], $2::bigint[]) AS t(o, amt) GROUP BY o),
            k AS (UPDATE order_key k SET refunded_fen = k.refunded_fen + s.amt FROM s WHERE k.order_id = s.o)
            UPDATE shop_order o SET refunded_fen = o.refunded_fen + s.amt FROM s WHERE o.id = s.o
            """, [.intArray(accepted.map(\.order)), .intArray(accepted.map(\.item.value.amountFen))])
        try PurchaseRows(c: c).refunded(accepted.map(\.order))
        try CouponRelease(c: c).afterRefunds(orders: accepted.map(\.order), actor: "sync")

        let entries = accepted.filter { $0.due > 0 }
        guard !entries.isEmpty else { return }
        var links: (refund: [Int64?], lot: [Int64?], points: [Int64?]) = ([], [], [])
        for e in entries {
            for t in e.taken {
                links.refund.append(refundID[e.item.value.refundNo]!)
                links.lot.append(t.lot)
                links.points.append(-t.points)
            }
        }
        let details = entries.map { e -> String? in
            JSONSerializer.canonicalObject(["due": .int(e.due), "refund_no": .string(e.item.value.refundNo), "shortfall": .int(e.shortfall)])
        }
        // Each entry's points are its lots' changes less its debt change: -(taken + debt), debt change +debt.
        try c.queryPrepared(
            """
            WITH t AS MATERIALIZED (
                SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[])
                    WITH ORDINALITY AS t(m, pts, debt, o, r, detail, n)),
            k AS MATERIALIZED (SELECT * FROM unnest($8::bigint[], $9::bigint[], $10::bigint[]) AS k(r, lot, pts)),
            e AS (INSERT INTO points_entry (member_id, kind, points, debt_change, at, order_id, refund_id, detail, actor)
                  SELECT m, 'reverse', pts, debt, now(), o, r, detail::jsonb, $7 FROM t ORDER BY n
                  RETURNING id, refund_id),
            l AS (UPDATE points_lot p SET remaining = p.remaining + s.pts
                  FROM (SELECT lot, sum(pts) AS pts FROM k GROUP BY lot) s WHERE p.id = s.lot),
            x AS (INSERT INTO points_entry_lot (entry_id, lot_id, points) SELECT e.id, k.lot, k.pts FROM e JOIN k ON k.r = e.refund_id),
            d AS (UPDATE points_account a SET debt = a.debt + s.debt
                  FROM (SELECT m, sum(debt) AS debt FROM t GROUP BY m HAVING sum(debt) <> 0) s WHERE a.member_id = s.m)
            SELECT count(*) FROM e
            """,
            [
                .intArray(entries.map(\.member)), .intArray(entries.map { e in -(e.taken.reduce(0) { $0 + $1.points } + e.debt) }),
                .intArray(entries.map(\.debt)), .intArray(entries.map(\.order)), .intArray(entries.map { refundID[$0.item.value.refundNo]! }),
                .textArray(details), .text("sync"), .intArray(links.refund), .intArray(links.lot), .intArray(links.points),
            ])
    }
}
