import CRMDomain
import CRMJSON
import CRMPostgres

/// The points ledger inside the caller's transaction: lots and append-only entries, written so
/// that every entry's points equal its lots' changes less its debt change, and every member's
/// entries equal their lots less their debt.
///
/// Locking: every path that takes points from a member first locks the member's `points_account`
/// row (spending, adjusting, reversing, merging) or, for the expiry batch, locks the lots it
/// expires in the same order (member, expiry, earning, id) that the others lock them in; so two
/// paths never wait on each other in a cycle.
struct PointsLedger {
    let c: PostgresConnection
    let policy: PointsPolicy

    /// A lot with points left, locked, as the spending paths see it.
    struct LockedLot {
        let id: Int64
        let remaining: Int64
        let orderID: Int64?
        /// Still in its pending period.
        let pending: Bool
        /// Past its expiry date, not yet expired by the job: no longer spendable.
        let lapsed: Bool
    }

    /// The transaction's time, in UTC seconds.
    func now() throws -> Int64 {
        try c.nowSeconds()
    }

    /// Locks the member's points account (made on first use) and returns its debt.
    func lockAccount(_ member: Int64) throws -> Int64 {
        try c.queryPrepared(
            """
            INSERT INTO points_account (member_id) VALUES ($1)
            ON CONFLICT (member_id) DO UPDATE SET debt = points_account.debt RETURNING debt
            """, [.int(member)]
        ).single!.decode(at: 0)
    }

    /// Locks several members' points accounts in id order (so two callers never wait on each other in a cycle).
    func lockAccounts(_ members: [Int64]) throws {
        guard !members.isEmpty else { return }
        try c.queryPrepared(
            """
            INSERT INTO points_account (member_id) SELECT m FROM unnest($1::bigint[]) AS t(m) ORDER BY m
            ON CONFLICT (member_id) DO UPDATE SET debt = points_account.debt
            """, [.intArray(Array(Set(members)).sorted())])
    }

    /// The member's lots with points left, oldest expiry first, locked.
    func lockLots(_ member: Int64) throws -> [LockedLot] {
        try c.queryPrepared(
            """
            SELECT id, remaining, order_id, available_at > now(), expires_at IS NOT NULL AND expires_at <= now()
            FROM points_lot WHERE member_id = $1 AND remaining > 0
            ORDER BY expires_at NULLS LAST, earned_at, id FOR UPDATE
            """, [.int(member)]
        ).map {
            LockedLot(
                id: try $0.decode(at: 0), remaining: try $0.decode(at: 1), orderID: try $0.decode(at: 2),
                pending: try $0.decode(at: 3), lapsed: try $0.decode(at: 4))
        }
    }

    /// Several members' lots with points left, each member's oldest expiry first, locked in the order
    /// `lockLots` and the expiry batch lock them (member, expiry, earning, id).
    func lockLots(ofMembers members: [Int64]) throws -> [Int64: [LockedLot]] {
        var lots: [Int64: [LockedLot]] = [:]
        guard !members.isEmpty else { return lots }
        for row in try c.queryPrepared(
            """
            SELECT member_id, id, remaining, order_id, available_at > now(), expires_at IS NOT NULL AND expires_at <= now()
            FROM points_lot WHERE member_id = ANY($1::bigint[]) AND remaining > 0
            ORDER BY member_id, expires_at NULLS LAST, earned_at, id FOR UPDATE
            """, [.intArray(members)])
        {
            lots[try row.decode(at: 0), default: []].append(
                LockedLot(
                    id: try row.decode(at: 1), remaining: try row.decode(at: 2), orderID: try row.decode(at: 3), pending: try row.decode(at: 4),
                    lapsed: try row.decode(at: 5)))
        }
        return lots
    }

    /// What can be spent now: available lots not past expiry, less the debt; a `points_out_of_range`
    /// refusal when the lots add up to more than an Int64 holds.
    static func spendable(_ lots: [LockedLot], debt: Int64, member: Int64) throws -> Int64 {
        var sum: Int64 = 0
        for lot in lots where !lot.pending && !lot.lapsed { sum = try PointsLimits.add(sum, lot.remaining, member: member) }
        return try PointsLimits.add(sum, -debt, member: member)
    }

    /// Points the members hold in lots (pending ones too), each at most Int64.max, for the balance limit.
    func held(_ members: [Int64]) throws -> [Int64: Int64] {
        var out: [Int64: Int64] = [:]
        guard !members.isEmpty else { return out }
        for row in try c.queryPrepared(
            """
            SELECT member_id, LEAST(sum(remaining), 9223372036854775807)::bigint FROM points_lot
            WHERE member_id = ANY($1::bigint[]) AND remaining > 0 GROUP BY member_id
            """, [.intArray(members)])
        {
            out[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        return out
    }

    /// What the balance limit still lets the member receive.
    func headroom(_ member: Int64) throws -> Int64 {
        max(0, policy.maxBalance - min(try held([member])[member] ?? 0, policy.maxBalance))
    }

    /// One entry to write.
    struct Entry {
        var member: Int64
        var kind: String
        var points: Int64
        var debtChange: Int64 = 0
        /// Lot changes: negative consumes, positive gives back.
        var links: [(lot: Int64, points: Int64)] = []
        var at: String? = nil
        var orderID: Int64? = nil
        var refundID: Int64? = nil
        var mergeID: Int64? = nil
        var runID: Int64? = nil
        var period: String? = nil
        var detail: JSONObject? = nil
        var actor: String
        var reason: String? = nil
        var idempotencyKey: String? = nil
    }

    /// Writes an entry, its lot changes and its debt change in one statement; returns its id.
    @discardableResult
    func write(_ e: Entry) throws -> Int64 {
        let linked = e.links.reduce(0) { $0 + $1.points }
        precondition(
            ["merge_in", "merge_out", "unmerge_in", "unmerge_out"].contains(e.kind) || e.points == linked - e.debtChange,
            "an entry's points are its lots' changes less its debt change")
        precondition(Set(e.links.map(\.lot)).count == e.links.count, "an entry changes each lot once")
        let id: Int64 = try c.queryPrepared(
            """
            WITH e AS (
                INSERT INTO points_entry (member_id, kind, points, debt_change, at, order_id, refund_id, merge_id, run_id, period, detail,
                                          actor, reason, idempotency_key)
                VALUES ($1, $2, $3, $4, COALESCE($5::timestamptz, now()), $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14) RETURNING id),
            l AS (UPDATE points_lot p SET remaining = p.remaining + t.pts FROM unnest($15::bigint[], $16::bigint[]) AS t(lot, pts) WHERE p.id = t.lot),
            k AS (INSERT INTO points_entry_lot (entry_id, lot_id, points) SELECT e.id, t.lot, t.pts FROM e, unnest($15::bigint[], $16::bigint[]) AS t(lot, pts)),
            d AS (UPDATE points_account SET debt = debt + $4 WHERE member_id = $1 AND $4 <> 0)
            SELECT id FROM e
            """,
            [
                .int(e.member), .text(e.kind), .int(e.points), .int(e.debtChange), .optional(e.at), .optional(e.orderID), .optional(e.refundID),
                .optional(e.mergeID), .optional(e.runID), .optional(e.period), e.detail.map { .text(JSONSerializer.canonicalObject($0)) } ?? .null,
                .text(e.actor), .optional(e.reason), .optional(e.idempotencyKey),
                .intArray(e.links.map(\.lot)), .intArray(e.links.map(\.points)),
            ]
        ).single!.decode(at: 0)
        return id
    }

    // MARK: spending and adjusting

    /// Takes `points` from the member's spendable lots, oldest expiry first, as one `kind` entry;
    /// refuses (changing nothing) when the balance is smaller. Returns the entry and the new balance.
    func spend(
        member: Int64, points: Int64, kind: String, actor: String, reason: String?, key: String?, detail: JSONObject?
    ) throws -> (entry: Int64, balance: Int64) {
        precondition(points > 0, "spending takes a positive number of points")
        let debt = try lockAccount(member)
        let lots = try lockLots(member)
        let balance = try Self.spendable(lots, debt: debt, member: member)
        guard points <= balance else {
            throw StorageError.refused(reason: .insufficientPoints, message: "member \(member) has \(max(balance, 0)) points to spend, not \(points)")
        }
        let usable = lots.filter { !$0.pending && !$0.lapsed }.map { LotAllocation.Lot(id: $0.id, remaining: $0.remaining) }
        let (taken, shortfall) = LotAllocation.take(points, from: usable)
        precondition(shortfall == 0, "a balance that covers the points covers them from its lots")
        let entry = try write(
            Entry(
                member: member, kind: kind, points: -points, links: taken.map { ($0.lot, -$0.points) },
                detail: detail, actor: actor, reason: reason, idempotencyKey: key))
        return (entry, balance - points)
    }

    /// Adds a lot of `points` to the member (an operator's adjustment): spendable at once, expiring by the policy.
    /// Refused (`balance_limit`, nothing changed) when it would take the member's points past `max_balance`.
    func credit(member: Int64, points: Int64, actor: String, reason: String?, key: String?) throws -> (entry: Int64, balance: Int64) {
        _ = try lockAccount(member)
        let room = try headroom(member)
        guard points <= room else {
            PointsLimits.hit(.balance, ["member": "\(member)", "points": "\(points)", "room": "\(room)"])
            throw StorageError.refused(
                reason: .balanceLimit,
                message: "member \(member) may receive at most \(room) more points (max_balance \(policy.maxBalance)), not \(points)")
        }
        let (_, entry) = try grant(
            points, to: member, kind: "adjust", earnedAt: CivilTime.rfc3339(try now()), pending: false, detail: nil,
            actor: actor, reason: reason, key: key)
        let debt = try lockAccount(member)
        return (entry, try Self.spendable(try lockLots(member), debt: debt, member: member))
    }

    // MARK: refunds

    /// Takes back `due` points from a member by the refund policy: the lots `preferring` picks first
    /// (under `pending_only`, only those still pending), then other spendable lots; what cannot be
    /// taken is the entry's `shortfall`, or a debt under `allow_negative`. Writes `entry` (kind
    /// `reverse`) with the points, links and debt filled in.
    @discardableResult
    func takeBack(_ due: Int64, from member: Int64, preferring: (LockedLot) -> Bool, entry: Entry) throws -> Int64 {
        precondition(due > 0, "something to take back")
        _ = try lockAccount(member)
        let plan = takeBackPlan(due, from: try lockLots(member), preferring: preferring)
        var e = entry
        e.points = -(plan.taken.reduce(0) { $0 + $1.points } + plan.debt)
        e.debtChange = plan.debt
        e.links = plan.taken.map { ($0.lot, -$0.points) }
        var detail = e.detail ?? JSONObject()
        detail["shortfall"] = .int(plan.shortfall)
        e.detail = detail
        return try write(e)
    }

    /// What taking `due` points back from a member's locked lots takes by the refund policy: the lots
    /// `preferring` picks first (under `pending_only`, only those still pending), then other spendable
    /// lots; what cannot be taken becomes a debt under `allow_negative`, the `shortfall` otherwise.
    func takeBackPlan(
        _ due: Int64, from lots: [LockedLot], preferring: (LockedLot) -> Bool
    )
        -> (taken: [(lot: Int64, points: Int64)], debt: Int64, shortfall: Int64)
    {
        let held = lots.filter { $0.remaining > 0 }
        let preferred = held.filter(preferring)
        let candidates: [LockedLot]
        switch policy.refundPolicy {
        case .pendingOnly:
            candidates = preferred.filter(\.pending)
        case .withinBalance, .allowNegative:
            candidates = preferred + held.filter { !preferring($0) && !$0.pending && !$0.lapsed }
        }
        let (taken, shortfall) = LotAllocation.take(due, from: candidates.map { LotAllocation.Lot(id: $0.id, remaining: $0.remaining) })
        let debt = policy.refundPolicy == .allowNegative ? shortfall : 0
        return (taken, debt, shortfall - debt)
    }

    /// Grants points as a new lot (an operator's credit, a referral reward): earned at `earnedAt`,
    /// pending by the policy when `pending`, expiring by the policy; a debt is paid from it first.
    /// Returns the lot and the entry.
    func grant(
        _ points: Int64, to member: Int64, kind: String, earnedAt: String, pending: Bool, detail: JSONObject?, actor: String,
        reason: String? = nil, key: String? = nil, period: String? = nil
    ) throws -> (lot: Int64, entry: Int64) {
        precondition(points > 0, "a grant is positive")
        guard let earned = CivilTime.seconds(rfc3339: earnedAt) else { preconditionFailure("grant times are RFC 3339") }
        let debt = try lockAccount(member)
        let lot: Int64 = try c.queryPrepared(
            """
            INSERT INTO points_lot (member_id, origin_member_id, earned_at, available_at, expires_at, amount, remaining)
            VALUES ($1, $1, $2::timestamptz, GREATEST($3::timestamptz, $2::timestamptz), $4::timestamptz, $5, 0) RETURNING id
            """,
            [
                .int(member), .text(earnedAt), .text(CivilTime.rfc3339(pending ? policy.availableAt(earnedAt: earned) : earned)),
                .optional(policy.expiresAt(earnedAt: earned).map(CivilTime.rfc3339)), .int(points),
            ]
        ).single!.decode(at: 0)
        let settle = min(debt, points)
        let entry = try write(
            Entry(
                member: member, kind: kind, points: points, debtChange: -settle, links: [(lot, points - settle)].filter { $0.1 != 0 },
                at: earnedAt, period: period, detail: detail, actor: actor, reason: reason, idempotencyKey: key))
        return (lot, entry)
    }

    // MARK: earning

    /// A paid order that has just been written.
    struct PaidOrderRow {
        let orderID: Int64
        let account: Int64
        /// The account's member when the order was written; `BulkIngest.earn` replaces it with the
        /// member read under the identity lock, the one the points go to.
        var member: Int64
        let shop: String
        let channel: Channel
        let amountFen: Int64
        let paymentMethod: String?
        let paidAt: String
        let itemsJSON: String
    }

    /// Earns the points of paid orders, set-based: one lot and one `earn` entry per order that
    /// earns anything, at the level the member held when it was paid (`earningRanks`), then re-rates
    /// the members' orders paid after these but earned before they came (`rerateLater`); each order at most
    /// `max_points_per_order`, and no member past `max_balance` (the rest is not earned; the
    /// explanation names the limit).
    func earn(_ orders: [PaidOrderRow], ladder: LevelLadder, actor: String) throws {
        guard !orders.isEmpty else { return }
        let rules = try Self.activeRules(c)
        let members = Array(Set(orders.map(\.member)))
        // Pushes earning for the same member run one after another from here, so the later one sees
        // the earlier one's orders, rates its own by them and re-rates the earlier one's later-paid orders.
        try lockAccounts(members)
        let paidAt = orders.map { PaidAt(order: $0.orderID, member: $0.member, paidAt: $0.paidAt) }
        let rankOf = try earningRanks(paidAt, ladder: ladder)
        let needsItems = rules.contains(where: \.matchesItems)
        let capped = rules.filter { $0.capPerMemberPerDay != nil }
        let used = try ruleUsage(members, capped: capped)
        var batch = EarnBatch(policy: policy, capped: capped, held: try held(members), used: used)
        for o in orders {
            guard let paidAt = CivilTime.seconds(rfc3339: o.paidAt) else { preconditionFailure("paid_at was validated as RFC 3339") }
            let level = ladder.levels[rankOf[o.orderID] ?? 0]
            let day = CivilTime.localDateText(paidAt, offsetMinutes: policy.offsetMinutes)
            let order = AccrualOrder(
                shop: o.shop, channel: o.channel, amountFen: o.amountFen, paymentMethod: o.paymentMethod, paidAt: paidAt,
                items: needsItems ? Self.items(o.itemsJSON) : [])
            let accrual = Accrual.compute(
                order: order, rateCenti: policy.earnRateCenti, levelCode: level.code,
                levelMultiplierPercent: level.pointsMultiplierPercent, rules: rules,
                usedToday: batch.usedToday(member: o.member, day: day), maxPoints: policy.maxPointsPerOrder)
            batch.countCapped(accrual.bonuses, member: o.member, day: day)
            batch.credit(o, paidAt: paidAt, accrual: accrual)
        }
        try writeEarned(batch.lots, actor: actor)
        try writeRuleUsage(batch.usage)
        try rerateLater(than: paidAt, ladder: ladder, actor: actor)
        // Every member of the push: a re-rating may have given points to one whose new orders earned none.
        try settleDebts(members.sorted(), actor: actor)
    }

    /// What the capped rules gave these members so far, keyed by `EarnBatch.usageKey`.
    private func ruleUsage(_ members: [Int64], capped: [AccrualRule]) throws -> [String: Int64] {
        guard !capped.isEmpty else { return [:] }
        var used: [String: Int64] = [:]
        for row in try c.queryPrepared(
            """
            SELECT member_id, rule_name, day::text, points FROM points_rule_usage WHERE member_id = ANY($1::bigint[]) AND rule_name = ANY($2::text[])
            """, [.intArray(members), .textArray(capped.map(\.name))])
        {
            used[EarnBatch.usageKey(try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2))] = try row.decode(at: 3)
        }
        return used
    }

    /// One lot, one `earn` entry and their link per order that earned anything, in one statement.
    private func writeEarned(_ lots: EarnBatch.LotColumns, actor: String) throws {
        guard !lots.member.isEmpty else { return }
        try c.queryPrepared(
            """
            WITH t AS MATERIALIZED (
                SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
                    WITH ORDINALITY AS t(m, o, earned, avail, expires, pts, detail, n)),
            l AS (INSERT INTO points_lot (member_id, origin_member_id, order_id, earned_at, available_at, expires_at, amount, remaining)
                  SELECT m, m, o, earned::timestamptz, GREATEST(avail::timestamptz, earned::timestamptz), expires::timestamptz, pts, pts FROM t ORDER BY n
                  RETURNING id, order_id, amount),
            e AS (INSERT INTO points_entry (member_id, kind, points, at, order_id, detail, actor)
                  SELECT m, 'earn', pts, earned::timestamptz, o, detail::jsonb, $8 FROM t ORDER BY n
                  RETURNING id, order_id)
            INSERT INTO points_entry_lot (entry_id, lot_id, points) SELECT e.id, l.id, l.amount FROM e JOIN l USING (order_id)
            """,
            [
                .intArray(lots.member), .intArray(lots.order), .textArray(lots.earned), .textArray(lots.available), .textArray(lots.expires),
                .intArray(lots.points), .textArray(lots.detail), .text(actor),
            ])
    }

    /// Adds what capped rules gave to each member's day, summed per member, rule and day.
    private func writeRuleUsage(_ usage: EarnBatch.UsageColumns) throws {
        guard !usage.member.isEmpty else { return }
        try c.queryPrepared(
            """
            INSERT INTO points_rule_usage (member_id, rule_name, day, points)
            SELECT m, r, d::date, sum(p) FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) AS t(m, r, d, p) GROUP BY m, r, d
            ORDER BY m, r, d
            ON CONFLICT (member_id, rule_name, day) DO UPDATE SET points = points_rule_usage.points + EXCLUDED.points
            """, [.intArray(usage.member), .textArray(usage.rule), .textArray(usage.day), .intArray(usage.points)])
    }

    /// Members with a debt pay it from their new points first (an entry of kind `adjust` would be
    /// wrong: nothing is issued), as a `settle`-reason reversal entry of zero points.
    func settleDebts(_ members: [Int64], actor: String) throws {
        guard !members.isEmpty else { return }
        let indebted = try c.queryPrepared(
            "SELECT member_id FROM points_account WHERE member_id = ANY($1::bigint[]) AND debt > 0 ORDER BY member_id",
            [.intArray(members)]
        ).map { try $0.decode(Int64.self, at: 0) }
        for member in indebted {
            let debt = try lockAccount(member)
            let lots = try lockLots(member).filter { !$0.lapsed }
            let (taken, _) = LotAllocation.take(debt, from: lots.map { LotAllocation.Lot(id: $0.id, remaining: $0.remaining) })
            let paid = taken.reduce(0) { $0 + $1.points }
            guard paid > 0 else { continue }
            try write(
                Entry(
                    member: member, kind: "reverse", points: 0, debtChange: -paid, links: taken.map { ($0.lot, -$0.points) },
                    detail: ["settled_debt": .int(paid)], actor: actor, reason: "debt settled from new points"))
        }
    }

    /// An earning's explanation; `limit` names the limit that cut the total, when one did.
    static func explanation(_ a: Accrual, amountFen: Int64, total: Int64, limit: (name: String, value: Int64)?) -> JSONValue {
        var x: JSONObject = [
            "amount_fen": .int(amountFen), "rate": .string(PointsPolicy.rateText(a.rateCenti)),
            "level": ["code": .string(a.levelCode), "multiplier_percent": .int(a.levelMultiplierPercent)],
            "base": .int(a.base),
            "rules": .array(a.bonuses.map { ["id": .int($0.ruleID), "name": .string($0.name), "version": .int($0.version), "bonus": .int($0.points)] }),
            "total": .int(total),
        ]
        if let limit { x["limit"] = ["name": .string(limit.name), "value": .int(limit.value)] }
        return .object(x)
    }

    /// An order's items as accrual sees them (as ingest stored them: `price_fen` and `quantity`).
    static func items(_ json: String) -> [AccrualOrder.Item] {
        guard let value = try? JSONParser.parse(json), let list = value.arrayValue else { preconditionFailure("stored order items are a JSON array") }
        return list.map { item in
            guard let price = item["price_fen"]?.int64Value, let quantity = item["quantity"]?.int64Value else {
                preconditionFailure("stored order items have price_fen and quantity")
            }
            return AccrualOrder.Item(sku: item["sku"]?.stringValue, category: item["category"]?.stringValue, amountFen: price * quantity)
        }
    }

    /// The rules in force, each at its current version.
    static func activeRules(_ c: PostgresConnection) throws -> [AccrualRule] {
        try c.queryPrepared("SELECT id, name, version, definition::text FROM points_rule WHERE disabled_at IS NULL ORDER BY id", []).map { row in
            let name: String = try row.decode(at: 1)
            guard let object = try JSONParser.parse(try row.decode(String.self, at: 3)).objectValue,
                let rule = try? AccrualRuleDefinition.parse(object, id: try row.decode(at: 0), name: name, version: try row.decode(at: 2))
            else {
                preconditionFailure("stored rule \(name) no longer parses")
            }
            return rule
        }
    }

    // MARK: merges

    /// Moves every lot, and the debt, of `from` to `to` (a merge), as a `merge_out`/`merge_in` pair.
    func mergeTransfer(from: Int64, to: Int64, mergeID: Int64, actor: String) throws {
        try transfer(from: from, to: to, lotFilter: nil, kinds: ("merge_out", "merge_in"), moveDebt: true, mergeID: mergeID, actor: actor)
    }

    /// Gives back to `restored` the lots that are its own (earned by its accounts' orders, or
    /// credited to it before the merge), with what is left of them.
    func unmergeTransfer(survivor: Int64, restored: Int64, accounts: [Int64], mergeID: Int64, actor: String) throws {
        try transfer(from: survivor, to: restored, lotFilter: accounts, kinds: ("unmerge_out", "unmerge_in"), moveDebt: false, mergeID: mergeID, actor: actor)
    }

    private func transfer(from: Int64, to: Int64, lotFilter accounts: [Int64]?, kinds: (String, String), moveDebt: Bool, mergeID: Int64, actor: String) throws {
        // Lock both accounts in id order, then the lots of the member they leave.
        let debts = try [min(from, to), max(from, to)].map { ($0, try lockAccount($0)) }
        let debt = moveDebt ? debts.first { $0.0 == from }!.1 : 0
        _ = try lockLots(from)
        // Every lot moves, emptied ones too, so the member who earned them keeps their history.
        let moved: Int64 = try c.queryPrepared(
            """
            WITH m AS (UPDATE points_lot l SET member_id = $2
                       WHERE l.member_id = $1
                         AND ($3::bigint[] IS NULL
                              OR (l.order_id IS NOT NULL AND EXISTS (SELECT 1 FROM order_key o WHERE o.order_id = l.order_id AND o.account_id = ANY($3::bigint[])))
                              OR (l.order_id IS NULL AND l.origin_member_id = $2))
                       RETURNING remaining)
            SELECT COALESCE(sum(remaining), 0)::bigint FROM m
            """, [.int(from), .int(to), accounts.map { .intArray($0) } ?? .null]
        ).single!.decode(at: 0)
        guard moved != 0 || debt != 0 else { return }
        let detail: JSONObject = ["points": .int(moved), "debt": .int(debt), "to": .string(String(to))]
        try write(Entry(member: from, kind: kinds.0, points: -(moved - debt), debtChange: -debt, mergeID: mergeID, detail: detail, actor: actor))
        var inDetail = detail
        inDetail["to"] = nil
        inDetail["from"] = .string(String(from))
        try write(Entry(member: to, kind: kinds.1, points: moved - debt, debtChange: debt, mergeID: mergeID, detail: inDetail, actor: actor))
    }
}
