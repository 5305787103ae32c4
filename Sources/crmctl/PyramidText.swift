import CRMCommandLine
import CRMProtocol

/// The contribution pyramid as operators read it: each tier's thresholds in words, and the report
/// as a table with tier, thresholds, members and spend in columns of their own.
enum PyramidText {
    /// Purchases in the window: `3+`, `2`, `1–2`.
    static func purchases(_ t: JSONValue) -> String {
        let low = t["min_purchases"]?.cellText ?? "1"
        guard let high = t["max_purchases"]?.cellText else { return low + "+" }
        return low == high ? low : "\(low)–\(high)"
    }

    /// The average order's bounds: `> 300.00`, `200.00–300.00` (both included), `≥ 100.00, < 200.00`, `any`.
    static func average(_ t: JSONValue) -> String {
        let from = t["average_from"]?.stringValue, above = t["average_above"]?.stringValue
        let to = t["average_to"]?.stringValue, below = t["average_below"]?.stringValue
        if let from, let to { return "\(from)–\(to)" }
        let parts = [from.map { "≥ \($0)" }, above.map { "> \($0)" }, to.map { "≤ \($0)" }, below.map { "< \($0)" }].compactMap { $0 }
        return parts.isEmpty ? "any" : parts.joined(separator: ", ")
    }

    /// The `report.pyramid` answer as a table with bars of members.
    static func report(_ r: JSONValue) -> String {
        let tiers = r["tiers"]?.arrayValue ?? []
        let top = tiers.compactMap { $0["members"]?.int64Value }.max() ?? 0
        var table = TextTable(headers: ["tier", "purchases", "average order (yuan)", "members", "share", "spend (yuan)", "spend share", ""])
        for t in tiers {
            let rule = t["thresholds"]
            let members = t["members"]?.int64Value ?? 0
            table.add([t["tier"]?.cellText ?? "", rule.map(purchases) ?? "-", rule.map(average) ?? "-", String(members),
                       "\(t["share"]?.cellText ?? "0")%", t["spend"]?.cellText ?? "0", "\(t["spend_share"]?.cellText ?? "0")%",
                       BarChart.bar(members, of: top, width: 30)])
        }
        return "Contribution pyramid (\(r["members"]?.cellText ?? "?") members, purchases in the last \(r["window_days"]?.cellText ?? "?") days)\n"
            + table.render()
    }
}
