import CRMDomain
import CRMPostgres

/// The measures operators watch, each computed in one statement over live members and their
/// purchases (paid orders not wholly refunded, at or before the evaluation time): RFM cells, the
/// contribution pyramid, purchase-count groups, lifecycle stages, seasons, repurchase, channel
/// overlap and the level distribution. Members who never bought are counted where a measure has a
/// place for them (band 0, `never`, `prospect`).
public struct ReportStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// A count by one or more keys.
    public struct Cell: Sendable, Equatable {
        public var keys: [String]
        public var members: Int64
        /// Spend (fen) of those members in the window, where the report has it.
        public var spendFen: Int64
    }

    /// Runs `build` with a compiler, then groups its statement by the selected keys.
    private func grouped(
        _ context: MeasureContext, keys: Int,
        _ build: @escaping @Sendable (inout SegmentCompiler) -> (select: [String], spend: String?)
    ) async throws -> (cells: [Cell], asOf: String, compiler: SegmentCompiler.Context, intervals: MeasureContext.Intervals?) {
        try await pool.withTransaction { c in
            try MeasureContext.prepare(c)
            let resolved = try context.resolve(c)
            var compiler = SegmentCompiler(context: resolved.compiler, asOf: resolved.asOf)
            let (select, spend) = build(&compiler)
            precondition(select.count == keys, "one expression per key")
            let columns = select.enumerated().map { "(\($1))::text AS k\($0)" } + ["(\(spend ?? "0"))::bigint AS spend"]
            let inner = compiler.statement(select: columns.joined(separator: ", "), predicate: "true", materialized: true)
            let keyList = (0..<keys).map { "k\($0)" }.joined(separator: ", ")
            let cells = try c.query(
                "SELECT \(keyList), count(*), COALESCE(sum(spend), 0)::bigint FROM (\(inner)) x GROUP BY \(keyList) ORDER BY \(keyList)",
                compiler.binder.values
            ).map { row in
                Cell(
                    keys: try (0..<keys).map { try row.decode(String.self, at: $0) }, members: try row.decode(at: keys), spendFen: try row.decode(at: keys + 1))
            }
            return (cells, resolved.asOf, resolved.compiler, resolved.intervals)
        }
    }

    /// RFM cells (r, f, m bands; 0 = no purchase) with members and spend in the window.
    public func rfm(_ context: MeasureContext) async throws -> (cells: [Cell], asOf: String) {
        let r = try await grouped(context, keys: 3) { c in
            ([c.recencyBand(), c.frequencyBand(), c.monetaryBand()], c.spendIn(c.context.rfm.windowDays))
        }
        return (r.cells, r.asOf)
    }

    /// Members by contribution tier over the RFM window, with their spend: the pyramid's rule in
    /// force (`context.settings.pyramid`) made into one CASE, tried from the top, its bounds
    /// (validated integers) written as literals.
    public func pyramid(_ context: MeasureContext) async throws -> (cells: [Cell], asOf: String) {
        let thresholds = context.settings.pyramid
        precondition(thresholds.problems().isEmpty, "settings are validated before they are stored")
        let r = try await grouped(context, keys: 1) { c in
            ([c.render(thresholds.rule, bounds: .literals)], c.spendIn(c.context.rfm.windowDays))
        }
        return (r.cells, r.asOf)
    }

    /// Members by purchase-count group (`PurchaseGroup.rule`).
    public func purchaseGroups(_ context: MeasureContext) async throws -> (cells: [Cell], asOf: String) {
        let r = try await grouped(context, keys: 1) { c in
            ([c.render(PurchaseGroup.rule, bounds: .literals)], c.spendIn(c.context.rfm.windowDays))
        }
        return (r.cells, r.asOf)
    }

    /// Members by lifecycle stage, with the thresholds used and the repurchase intervals when derived.
    public func lifecycle(
        _ context: MeasureContext
    ) async throws -> (cells: [Cell], thresholds: LifecycleThresholds, intervals: MeasureContext.Intervals?, asOf: String) {
        let r = try await grouped(context, keys: 1) { c in ([c.lifecycleStage()], c.spendIn(c.context.rfm.windowDays)) }
        return (r.cells, r.compiler.lifecycle, r.intervals, r.asOf)
    }

    /// Members who bought in the window by the number of seasons they bought in (1–4), and the
    /// seasons mask; and how many bought in the window but in neither of the last two seasons (~182 days).
    public func seasons(_ context: MeasureContext) async throws -> (cells: [Cell], atRisk: Int64, asOf: String) {
        let r = try await grouped(context, keys: 2) { c in
            let mask = c.seasonsMask(c.context.rfm.windowDays)
            let recent = c.purchasesIn(182), inWindow = c.purchasesIn(c.context.rfm.windowDays)
            return (
                ["bit_count(\(mask)::bit(4))", "CASE WHEN \(inWindow) > 0 AND \(recent) = 0 THEN 'at_risk' ELSE '' END"], c.spendIn(c.context.rfm.windowDays)
            )
        }
        var counts: [String: (Int64, Int64)] = [:]
        var atRisk: Int64 = 0
        for cell in r.cells {
            counts[cell.keys[0], default: (0, 0)].0 += cell.members
            counts[cell.keys[0], default: (0, 0)].1 += cell.spendFen
            if cell.keys[1] == "at_risk" { atRisk += cell.members }
        }
        return (counts.keys.sorted().map { Cell(keys: [$0], members: counts[$0]!.0, spendFen: counts[$0]!.1) }, atRisk, r.asOf)
    }

    /// Members by the set of channels they bought in within `withinDays` (nil: ever), as `mobile+web`.
    public func channels(_ context: MeasureContext, withinDays: Int?) async throws -> (cells: [Cell], asOf: String) {
        let r = try await grouped(context, keys: 1) { c in
            var parts: [String] = []
            for ch in Channel.allCases {
                let bought = c.boughtInChannel(ch, withinDays: withinDays)
                parts.append("CASE WHEN \(bought) THEN '\(ch.rawValue)' END")
            }
            return (["COALESCE(concat_ws('+', \(parts.joined(separator: ", "))), '')"], c.spendIn(withinDays))
        }
        return (
            r.cells.map {
                var x = $0; if x.keys[0].isEmpty { x.keys[0] = "none" }; return x
            }, r.asOf
        )
    }

    /// Repurchase: buyers and repeat buyers in the window and ever; spend in the window, of which by
    /// members whose first purchase was before the window (old customers); purchases in the window.
    public struct Repurchase: Sendable, Equatable {
        public var buyersInWindow: Int64, repeatInWindow: Int64, buyersEver: Int64, repeatEver: Int64
        public var spendInWindowFen: Int64, oldCustomerSpendFen: Int64, purchasesInWindow: Int64
    }

    public func repurchase(_ context: MeasureContext) async throws -> (Repurchase, asOf: String) {
        let r = try await grouped(context, keys: 4) { c in
            let w = c.context.rfm.windowDays
            let n = c.purchasesIn(w), e = c.purchasesIn(nil), first = c.firstPurchase()
            return (
                ["LEAST(\(n), 2)", "LEAST(\(e), 2)", "CASE WHEN \(first) <= \(c.daysBefore(w)) THEN 'old' ELSE 'new' END", "\(n)"],
                c.spendIn(w)
            )
        }
        var out = Repurchase(
            buyersInWindow: 0, repeatInWindow: 0, buyersEver: 0, repeatEver: 0, spendInWindowFen: 0, oldCustomerSpendFen: 0, purchasesInWindow: 0)
        for cell in r.cells {
            let n = Int64(cell.keys[0]) ?? 0, e = Int64(cell.keys[1]) ?? 0
            if n >= 1 { out.buyersInWindow += cell.members }
            if n >= 2 { out.repeatInWindow += cell.members }
            if e >= 1 { out.buyersEver += cell.members }
            if e >= 2 { out.repeatEver += cell.members }
            out.spendInWindowFen += cell.spendFen
            if cell.keys[2] == "old" { out.oldCustomerSpendFen += cell.spendFen }
            out.purchasesInWindow += (Int64(cell.keys[3]) ?? 0) * cell.members
        }
        return (out, r.asOf)
    }

    /// Live members by level code.
    public func levels(_ context: MeasureContext) async throws -> [Cell] {
        try await pool.withConnection { c in
            try c.query(
                """
                SELECT COALESCE(ml.level_code, $1), count(*) FROM member m LEFT JOIN member_level ml ON ml.member_id = m.id
                WHERE m.merged_into IS NULL GROUP BY 1 ORDER BY 1
                """, [.text(context.firstLevel)]
            ).map { Cell(keys: [try $0.decode(at: 0)], members: try $0.decode(at: 1), spendFen: 0) }
        }
    }
}
