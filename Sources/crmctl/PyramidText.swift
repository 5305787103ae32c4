import CRMCommandLine
import CRMProtocol

/// The contribution pyramid as operators read it: each tier's thresholds in words, and the report
/// as a table with tier, thresholds, members and spend in columns of their own.
enum PyramidText {
    /// Purchases in the window: `3+`, `2`, `1–2`.
    static func purchases(_ t: RPC.Report.PyramidTier) -> String {
        let low = String(t.minPurchases)
        guard let high = t.maxPurchases.map(String.init) else { return low + "+" }
        return low == high ? low : "\(low)–\(high)"
    }

    /// The average order's bounds: `> 300.00`, `200.00–300.00` (both included), `≥ 100.00, < 200.00`, `any`.
    static func average(_ t: RPC.Report.PyramidTier) -> String {
        let from = t.averageFrom, above = t.averageAbove, to = t.averageTo, below = t.averageBelow
        if let from, let to { return "\(from)–\(to)" }
        let parts = [from.map { "≥ \($0)" }, above.map { "> \($0)" }, to.map { "≤ \($0)" }, below.map { "< \($0)" }].compactMap { $0 }
        return parts.isEmpty ? "any" : parts.joined(separator: ", ")
    }

    /// A tier as `config get segments` shows it: the same bounds, read into the report's type.
    static func tier(_ t: JSONValue) -> RPC.Report.PyramidTier {
        (try? JSONValueDecoder(rejectsUnknownFields: false).decode(RPC.Report.PyramidTier.self, from: t)) ?? RPC.Report.PyramidTier(minPurchases: 1)
    }

    static func purchases(_ t: JSONValue) -> String { purchases(tier(t)) }
    static func average(_ t: JSONValue) -> String { average(tier(t)) }

    /// The `report.pyramid` answer as a table with bars of members.
    static func report(_ r: RPC.Report.Pyramid.Result) -> String {
        let top = r.tiers.map(\.members).max() ?? 0
        var table = TextTable(headers: ["tier", "purchases", "average order (yuan)", "members", "share", "spend (yuan)", "spend share", ""])
        for t in r.tiers {
            table.add([
                t.tier, t.thresholds.map(purchases) ?? "-", t.thresholds.map(average) ?? "-", String(t.members), "\(t.share)%", t.spend,
                "\(t.spendShare)%", BarChart.bar(t.members, of: top, width: 30),
            ])
        }
        return "Contribution pyramid (\(r.members) members, purchases in the last \(r.windowDays) days)\n" + table.render()
    }
}
