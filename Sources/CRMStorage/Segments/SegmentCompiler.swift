import CRMDomain
import CRMPostgres
import CRMText

/// Compiles a `SegmentFilter` to one parameterised statement selecting the ids of the live members
/// it matches. Every value of the filter is a `$n` parameter; the SQL text depends only on the
/// filter's shape. Order-based conditions become aggregate columns of a single pass over the
/// purchases (paid orders not wholly refunded, paid at or before the evaluation time `$1`), points
/// conditions columns of a single pass over the lots; member-set conditions (tags, registration)
/// are semi-joins. Each condition yields true or false, never NULL, so NOT is exact.
struct SegmentCompiler {
    /// Everything a compiled statement depends on besides the filter.
    struct Context {
        var rfm: RFMBands
        var lifecycle: LifecycleThresholds
        /// Code of the ladder's first level (members without a level row hold it).
        var firstLevel: String
        /// The merchant's UTC offset in minutes (seasons, dates).
        var offsetMinutes: Int
        /// Makes the blind indexes personal conditions compare (`SegmentCompiler+Personal`).
        var codec: PersonalDataCodec
        /// Whether purchases are read from the member purchases kept at ingest (`member_purchase`,
        /// `SegmentCompiler+Purchases`) rather than the orders joined with their accounts.
        var purchaseRows = PurchaseRowsSwitch.inForce
        /// How the member purchases are read: one aggregate over all of them, or each member's
        /// alone (`PurchasePass`; chosen per statement by `compile(_:context:asOf:on:)`).
        var purchasePass = PurchasePass.grouped
    }

    let context: Context
    var binder: SQLBinder
    private var orderColumns: [String] = []
    private var pointColumns: [String] = []
    /// Aggregate columns of the pass over refunds (the `returns` condition).
    private var refundColumns: [String] = []
    private var windowParams: [Int: String] = [:]
    /// The parameters of each period's midnights, so equal periods give equal (shared) columns.
    private var midnightParams: [String: String] = [:]
    /// Members the passes over purchases and lots are limited to (see `restrict`; a standing
    /// campaign's evaluation narrows it to its batch of member ids).
    var restriction: String?
    private var needsLevel = false
    private var needsDebt = false
    /// The parameters of the blind-index sets already bound, by what they were made from, so a
    /// condition compiled twice (its predicate and `restrict`) hashes and binds its set once.
    var indexSets: [String: String] = [:]
    /// Those of `indexSets` holding the dates a birthday condition rejects (`BirthDateCandidates.Selection`).
    var negatedSets: Set<String> = []
    /// The evaluation time `$1` as text.
    let asOf: String

    /// `asOf` (RFC 3339) is `$1`: windows end there and later orders are not seen.
    init(context: Context, asOf: String) {
        self.context = context
        self.asOf = asOf
        binder = SQLBinder([.text(asOf)])
    }

    /// The statement: `SELECT m.id FROM … WHERE …` over live members.
    static func compile(_ filter: SegmentFilter, context: Context, asOf: String) -> (sql: String, params: [PostgresValue]) {
        var c = SegmentCompiler(context: context, asOf: asOf)
        let predicate = context.purchaseRows ? c.topLevel(filter) : c.predicate(filter)
        c.restrict(to: filter)
        return (c.statement(select: "m.id", predicate: predicate), c.binder.values)
    }

    /// Conditions that read only the member's own rows (tags, region, address, registration).
    static func isMemberOnly(_ c: SegmentCondition) -> Bool {
        switch c {
        case .tags(let match, _): return match != .none
        case .region, .address, .registered, .emailDomain, .gender, .age, .birthday, .attribute: return true
        default: return false
        }
    }

    /// The member-only conditions of the filter's top-level AND (or its one condition): a member
    /// failing any of them is out whatever else holds.
    static func memberOnlyConjuncts(_ filter: SegmentFilter) -> [SegmentCondition] {
        let conjuncts: [SegmentCondition]
        switch filter {
        case .condition(let c): conjuncts = [c]
        case .and(let parts): conjuncts = parts.compactMap { if case .condition(let c) = $0 { return c } else { return nil } }
        default: conjuncts = []
        }
        return conjuncts.filter(Self.isMemberOnly)
    }

    /// Whether a predicate compiled so far reads the purchases (has columns of their pass).
    var readsPurchases: Bool { !orderColumns.isEmpty }

    /// Whether each member's purchases are read alone (`PurchasePass.perMember`).
    private var readsPerMember: Bool { context.purchaseRows && context.purchasePass == .perMember }

    /// When the filter is an AND (or one condition) with member-only parts, the passes over the
    /// purchases and lots read only the members those parts accept: a member failing one of them
    /// is out whatever its purchases, and the members that pass keep all their rows, so the result
    /// is the same with a fraction of the aggregation.
    mutating func restrict(to filter: SegmentFilter) {
        let usable = Self.memberOnlyConjuncts(filter)
        // Read per member, the purchases are limited by the statement's own members.
        let purchasesGrouped = !orderColumns.isEmpty && !readsPerMember
        guard !usable.isEmpty, purchasesGrouped || !pointColumns.isEmpty || !refundColumns.isEmpty else { return }
        // In a WHERE's top-level AND, NULL excludes a row as false does: without COALESCE, the planner
        // can make `m.id IN (…)` a semi-join driven by the smaller side (`topLevel`).
        let wrap: (String) -> String = context.purchaseRows ? { "(\($0))" } : { "COALESCE((\($0)), false)" }
        restriction = "SELECT m.id FROM member m WHERE m.merged_into IS NULL AND " + usable.map { wrap(condition($0)) }.joined(separator: " AND ")
    }

    /// The FROM/WHERE around a predicate built by this compiler. `materialized` computes each pass
    /// once before joining members: reports over every member need it (inlined, a parallel plan
    /// built the aggregate once per worker: 11 s instead of 7 s at 5,000,000 orders); a filtered
    /// segment does better inlined (the planner probes the aggregate in parallel).
    func statement(select: String, predicate: String, materialized: Bool = false) -> String {
        let cte = materialized ? "AS MATERIALIZED" : "AS"
        var with: [String] = []
        var joins = ""
        if !orderColumns.isEmpty {
            let columns = orderColumns.enumerated().map { "\($1) AS o\($0)" }.joined(separator: ", ")
            if readsPerMember && !materialized {
                joins += " CROSS JOIN LATERAL (\(purchasesOfMember(columns))) s"
            } else {
                with.append("s \(cte) (\(purchasesPass(columns)))")
                joins += " LEFT JOIN s ON s.mid = m.id"
            }
        }
        if !pointColumns.isEmpty {
            with.append(
                """
                p \(cte) (SELECT l.member_id AS mid, \(pointColumns.enumerated().map { "\($1) AS p\($0)" }.joined(separator: ", "))
                      FROM points_lot l WHERE l.remaining > 0\(restriction.map { " AND l.member_id IN (\($0))" } ?? "") GROUP BY l.member_id)
                """)
            joins += " LEFT JOIN p ON p.mid = m.id"
        }
        if !refundColumns.isEmpty {
            with.append(
                """
                r \(cte) (SELECT a.member_id AS mid, \(refundColumns.enumerated().map { "\($1) AS r\($0)" }.joined(separator: ", "))
                      FROM refund rf JOIN shop_order o ON o.id = rf.order_id JOIN account a ON a.id = o.account_id
                      WHERE rf.refunded_at <= $1::timestamptz\(restriction.map { " AND a.member_id IN (\($0))" } ?? "") GROUP BY a.member_id)
                """)
            joins += " LEFT JOIN r ON r.mid = m.id"
        }
        if needsDebt { joins += " LEFT JOIN points_account pa ON pa.member_id = m.id" }
        if needsLevel { joins += " LEFT JOIN member_level ml ON ml.member_id = m.id" }
        return (with.isEmpty ? "" : "WITH " + with.joined(separator: ",\n") + "\n")
            // `$1` is always typed, even when no condition reads it.
            + "SELECT \(select) FROM member m\(joins) WHERE m.merged_into IS NULL AND $1::timestamptz IS NOT NULL AND (\(predicate))"
    }

    // MARK: predicates

    /// `predicate` for the whole WHERE: the conditions of its top-level AND (or its one condition)
    /// without COALESCE (a NULL there excludes the member as false does), so that a member-only
    /// condition such as `m.id IN (…)` can become a semi-join built from the smaller side.
    mutating func topLevel(_ f: SegmentFilter) -> String {
        switch f {
        case .and(let parts):
            return "(" + parts.map { if case .condition(let c) = $0 { "(\(condition(c)))" } else { predicate($0) } }.joined(separator: " AND ") + ")"
        case .condition(let c): return "(\(condition(c)))"
        default: return predicate(f)
        }
    }

    mutating func predicate(_ f: SegmentFilter) -> String {
        switch f {
        case .and(let parts): return "(" + parts.map { predicate($0) }.joined(separator: " AND ") + ")"
        case .or(let parts): return "(" + parts.map { predicate($0) }.joined(separator: " OR ") + ")"
        case .not(let inner): return "(NOT \(predicate(inner)))"
        case .condition(let c): return "COALESCE((\(condition(c))), false)"
        }
    }

    mutating func orderColumn(_ sql: String) -> String {
        if let i = orderColumns.firstIndex(of: sql) { return "s.o\(i)" }
        orderColumns.append(sql)
        return "s.o\(orderColumns.count - 1)"
    }

    private mutating func pointColumn(_ sql: String) -> String {
        if let i = pointColumns.firstIndex(of: sql) { return "p.p\(i)" }
        pointColumns.append(sql)
        return "p.p\(pointColumns.count - 1)"
    }

    /// An aggregate column of the pass over refunds (`rf`, their orders `o`, up to `$1`).
    mutating func refundColumn(_ sql: String) -> String {
        if let i = refundColumns.firstIndex(of: sql) { return "r.r\(i)" }
        refundColumns.append(sql)
        return "r.r\(refundColumns.count - 1)"
    }

    /// `o.paid_at` (or `column`) within the last `days` days of `$1`, or within `period` (the
    /// merchant's dates) when given; true when neither is.
    mutating func window(_ days: Int?, _ period: DatePeriod? = nil, column: String = "o.paid_at") -> String {
        if let period { return within(period, column: column) }
        guard let days else { return "true" }
        if windowParams[days] == nil { windowParams[days] = binder.bind(.int(Int64(days))) }
        return "\(column) > $1::timestamptz - \(windowParams[days]!)::int * interval '1 day'"
    }

    /// `column` from the start of `period.from` to the start of `period.until` (merchant's midnights).
    mutating func within(_ period: DatePeriod, column: String) -> String {
        var parts: [String] = []
        if let from = period.from { parts.append("\(column) >= \(midnight(from))::timestamptz") }
        if let until = period.until { parts.append("\(column) < \(midnight(until))::timestamptz") }
        return parts.isEmpty ? "true" : "(" + parts.joined(separator: " AND ") + ")"
    }

    /// The parameter holding a date's midnight in the merchant's offset (bound once per date).
    private mutating func midnight(_ date: String) -> String {
        if let p = midnightParams[date] { return p }
        let p = binder.bind(.text(localMidnight(date)))
        midnightParams[date] = p
        return p
    }

    /// Purchases in a window, as an aggregate column (never NULL).
    mutating func purchasesIn(_ days: Int?, _ period: DatePeriod? = nil) -> String {
        "COALESCE(\(orderColumn(days == nil && period == nil ? "count(*)" : "count(*) FILTER (WHERE \(window(days, period)))")), 0)"
    }

    /// Spend (fen) in a window, as an aggregate column (never NULL).
    mutating func spendIn(_ days: Int?, _ period: DatePeriod? = nil) -> String {
        let sum = context.purchaseRows ? "sum(o.spend_fen)" : "sum(o.amount_fen - o.refunded_fen)"
        return "COALESCE(\(orderColumn(days == nil && period == nil ? sum : "\(sum) FILTER (WHERE \(window(days, period)))")), 0)"
    }

    mutating func lastPurchase() -> String { orderColumn("max(o.paid_at)") }
    mutating func firstPurchase() -> String { orderColumn("min(o.paid_at)") }

    /// Elapsed days (fractional) from `instant` (a purchase column) to `$1`; NULL when never bought.
    func daysSince(_ instant: String) -> String { "(extract(epoch FROM $1::timestamptz - \(instant)) / 86400.0)" }

    /// The RFM bands and the lifecycle stage (its raw value) as SQL expressions, made from their
    /// rules (`RFMBands`, `LifecycleThresholds`), the thresholds bound as parameters.
    mutating func recencyBand() -> String { render(context.rfm.recency, bounds: .parameters) }
    mutating func frequencyBand() -> String { render(context.rfm.frequency, bounds: .parameters) }
    mutating func monetaryBand() -> String { render(context.rfm.monetary, bounds: .parameters) }
    mutating func lifecycleStage() -> String { render(context.lifecycle.stages, bounds: .parameters) }

    /// Bits of the seasons bought in within a window (winter 1, spring 2, summer 4, autumn 8), never NULL.
    mutating func seasonsMask(_ days: Int?, _ period: DatePeriod? = nil) -> String {
        let offset = binder.bind(.int(Int64(context.offsetMinutes)))
        let season = "(1 << ((extract(month FROM (o.paid_at AT TIME ZONE 'UTC') + \(offset)::int * interval '1 minute')::int % 12) / 3))"
        let filtered = days == nil && period == nil ? "bit_or(\(season))" : "bit_or(\(season)) FILTER (WHERE \(window(days, period)))"
        return "COALESCE(\(orderColumn(filtered)), 0)"
    }

    /// Spendable points now (available lots not expired, less debt).
    mutating func pointsBalance() -> String {
        needsDebt = true
        let lots = pointColumn("sum(l.remaining) FILTER (WHERE l.available_at <= now() AND (l.expires_at IS NULL OR l.expires_at > now()))")
        return "(COALESCE(\(lots), 0) - COALESCE(pa.debt, 0))"
    }

    /// Whether the member bought in a channel within a window (never NULL).
    mutating func boughtInChannel(_ channel: Channel, withinDays days: Int?) -> String {
        "COALESCE(\(orderColumn("bool_or(o.channel = \(binder.bind(.text(channel.rawValue))) AND \(window(days)))")), false)"
    }

    /// The instant `days` days before `$1`.
    mutating func daysBefore(_ days: Int) -> String { "($1::timestamptz - \(binder.bind(.int(Int64(days))))::int * interval '1 day')" }

    /// A text array parameter.
    mutating func texts(_ values: [String]) -> String { "\(binder.bind(.textArray(values)))::text[]" }

    mutating func range(_ value: String, _ r: ValueRange) -> String {
        var parts: [String] = []
        if let lo = r.min { parts.append("\(value) >= \(binder.bind(.int(lo)))") }
        if let hi = r.max { parts.append("\(value) <= \(binder.bind(.int(hi)))") }
        return parts.isEmpty ? "true" : parts.joined(separator: " AND ")
    }

    /// A text array parameter of merchant words, with Chinese scripts folded as the text they are
    /// compared with was folded when written (`ScriptFolder`: `items_fold`, `region_fold`).
    private mutating func folded(_ values: [String]) -> String { texts(values.map(ScriptFolder.shared.fold)) }

    /// What an item of `o.items` must match, as a condition on the order (on its script-folded items).
    /// With purchase rows, the same test over the item dictionary, once per statement: the ids of the
    /// distinct items that match, which the purchase's item ids must overlap.
    private mutating func itemMatch(_ m: ItemMatch) -> String {
        let rows = context.purchaseRows
        let (name, sku, category) = rows ? ("d.name", "d.sku", "d.category") : ("i.e->>'name'", "i.e->>'sku'", "i.e->>'category'")
        var parts: [String] = []
        if !m.nameContains.isEmpty { parts.append("EXISTS (SELECT 1 FROM unnest(\(folded(m.nameContains))) k(w) WHERE strpos(\(name), k.w) > 0)") }
        if !m.skus.isEmpty { parts.append("\(sku) = ANY(\(folded(m.skus)))") }
        if !m.categories.isEmpty { parts.append("\(category) = ANY(\(folded(m.categories)))") }
        if rows { return "o.items && ARRAY(SELECT d.id FROM purchase_item d WHERE \(parts.joined(separator: " AND ")))" }
        return "EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(o.items_fold, o.items)) i(e) WHERE \(parts.joined(separator: " AND ")))"
    }

    mutating func condition(_ c: SegmentCondition) -> String {
        switch c {
        case .rfm(let r, let f, let m):
            var parts: [String] = []
            if !r.isEmpty { parts.append("(\(recencyBand())) = ANY(\(binder.bind(.intArray(r.map { Int64($0) })))::int[])") }
            if !f.isEmpty { parts.append("(\(frequencyBand())) = ANY(\(binder.bind(.intArray(f.map { Int64($0) })))::int[])") }
            if !m.isEmpty { parts.append("(\(monetaryBand())) = ANY(\(binder.bind(.intArray(m.map { Int64($0) })))::int[])") }
            return parts.joined(separator: " AND ")
        case .purchases(let r, let days, let period):
            return range(purchasesIn(days, period), r)
        case .spend(let r, let days, let period):
            return range(spendIn(days, period), r)
        case .lastPurchase(let lo, let hi):
            let last = lastPurchase()
            var parts = ["\(last) IS NOT NULL"]
            if let lo { parts.append("\(last) <= $1::timestamptz - \(binder.bind(.int(Int64(lo))))::int * interval '1 day'") }
            if let hi { parts.append("\(last) >= $1::timestamptz - \(binder.bind(.int(Int64(hi))))::int * interval '1 day'") }
            return parts.joined(separator: " AND ")
        case .averageOrder(let r, let days, let period):
            let n = purchasesIn(days, period), s = spendIn(days, period)
            var parts = ["\(n) > 0"]
            if let lo = r.min { parts.append("\(s) >= \(binder.bind(.int(lo))) * \(n)") }
            if let hi = r.max { parts.append("\(s) <= \(binder.bind(.int(hi))) * \(n)") }
            return parts.joined(separator: " AND ")
        case .level(let codes):
            needsLevel = true
            return "COALESCE(ml.level_code, \(binder.bind(.text(context.firstLevel)))) = ANY(\(texts(codes)))"
        case .points(let r):
            return range(pointsBalance(), r)
        case .expiringPoints(let r, let days, let period):
            let ahead = period.map { within($0, column: "l.expires_at") } ?? "l.expires_at <= now() + \(binder.bind(.int(Int64(days))))::int * interval '1 day'"
            let col = pointColumn("sum(l.remaining) FILTER (WHERE l.expires_at > now() AND \(ahead))")
            return range("COALESCE(\(col), 0)", r)
        case .tags(let match, let names):
            let list = texts(names)
            switch match {
            case .any: return "m.id IN (SELECT mt.member_id FROM member_tag mt JOIN tag t ON t.id = mt.tag_id WHERE t.name = ANY(\(list)))"
            case .none: return "NOT (m.id IN (SELECT mt.member_id FROM member_tag mt JOIN tag t ON t.id = mt.tag_id WHERE t.name = ANY(\(list))))"
            case .all:
                return """
                    m.id IN (SELECT mt.member_id FROM member_tag mt JOIN tag t ON t.id = mt.tag_id WHERE t.name = ANY(\(list))
                             GROUP BY mt.member_id HAVING count(DISTINCT t.name) = cardinality(ARRAY(SELECT DISTINCT unnest(\(list)))))
                    """
            }
        case .channels(let channels, let days, let period):
            return "COALESCE(\(orderColumn("bool_or(o.channel = ANY(\(texts(channels.map(\.rawValue)))) AND \(window(days, period)))")), false)"
        case .shops(let codes, let days, let period):
            return
                "COALESCE(\(orderColumn("bool_or(o.shop_id IN (SELECT id FROM shop WHERE code = ANY(\(texts(codes)))) AND \(window(days, period)))")), false)"
        case .items(let m, let days, let period):
            return "COALESCE(\(orderColumn("bool_or(\(window(days, period)) AND \(itemMatch(m)))")), false)"
        case .region(let words):
            return "EXISTS (SELECT 1 FROM unnest(\(folded(words))) k(w) WHERE strpos(COALESCE(m.region_fold, m.region), k.w) > 0)"
        case .address(let words):
            return addressKeywords(words)
        case .registered(let from, let until):
            var having: [String] = []
            if let from { having.append("min(COALESCE(registered_at, created_at)) >= \(binder.bind(.text(localMidnight(from))))::timestamptz") }
            if let until { having.append("min(COALESCE(registered_at, created_at)) < \(binder.bind(.text(localMidnight(until))))::timestamptz") }
            return "m.id IN (SELECT member_id FROM account GROUP BY member_id HAVING \(having.joined(separator: " AND ")))"
        case .lifecycle(let stages):
            return "(\(lifecycleStage())) = ANY(\(texts(stages.map(\.rawValue))))"
        case .seasons(let r, let all, let days, let period):
            let mask = seasonsMask(days, period)
            var parts = [range("bit_count(\(mask)::bit(4))", r)]
            if !all.isEmpty {
                let want = binder.bind(.int(Int64(Season.mask(all))))
                parts.append("(\(mask) & \(want)::int) = \(want)::int")
            }
            return parts.joined(separator: " AND ")
        case .emailDomain, .gender, .age, .birthday, .attribute, .returns, .paymentMethods:
            return audience(c)
        }
    }

    /// `YYYY-MM-DD` at 00:00 in the merchant's offset, as RFC 3339.
    func localMidnight(_ date: String) -> String {
        let m = context.offsetMinutes
        let sign = m < 0 ? "-" : "+"
        let h = abs(m) / 60, mm = abs(m) % 60
        return "\(date)T00:00:00\(sign)\(h < 10 ? "0" : "")\(h):\(mm < 10 ? "0" : "")\(mm)"
    }
}
