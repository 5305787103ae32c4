import CRMProtocol

/// The campaign pages of `crmctl report --html`: a section per campaign with the arms' figures,
/// their response rates as bars, the uplift of each comparison with its 95 % interval drawn
/// against zero, and a line per wave.
enum HTMLCampaigns {
    typealias Report = RPC.CampaignReport.Report

    static func sections(_ reports: [Report.Result]) -> String {
        guard !reports.isEmpty else { return "" }
        return "<h2>Campaigns</h2>" + reports.map(section).joined()
    }

    static func section(_ r: Report.Result) -> String {
        let e = HTMLReport.escape
        var s = "<section><h3>\(e(r.name))</h3><p class=\"muted\">\(e(r.status))\(r.segment.map { ", segment " + e($0) } ?? "")"
        s += "\(r.launchedAt.map { ", launched " + e($0) } ?? ""); response: a paid order within \(r.windowDays) days"
        s +=
            "\(r.scopeShops.isEmpty ? "" : " in " + e(r.scopeShops.joined(separator: ", "))); holdout \(r.holdoutPercent) %. Totals count each member once.</p>"
        let arms = r.arms.count > 2 ? r.arms.filter { $0.arm != "control" } + [r.treated, r.control] : [r.treated, r.control]
        s += table(arms)
        s += "<h4>Response rate</h4>" + rateBars(arms)
        s += "<h4>Uplift against the control group (95 % interval)</h4>" + forest(r.comparisons)
        s += waves(r.waves)
        return s + "</section>"
    }

    static func table(_ arms: [Report.Arm]) -> String {
        let heads = ["arm", "members", "responders", "rate", "orders", "GMV ¥", "old customers %", "coupons", "redeemed", "核銷率", "cost ¥", "no consent"]
        var s = "<table><tr>" + heads.map { "<th>\(HTMLReport.escape($0))</th>" }.joined() + "</tr>"
        for a in arms {
            let cells = [
                a.arm, String(a.members), String(a.responders), a.responseRate ?? "-", String(a.orders), a.gmv, a.oldCustomerShare,
                String(a.couponsIssued), String(a.couponsRedeemed), a.redemptionRate ?? "-", a.cost, String(a.noConsent),
            ]
            s += "<tr>" + cells.map { "<td>\(HTMLReport.escape($0))</td>" }.joined() + "</tr>"
        }
        return s + "</table>"
    }

    /// A rate ("0.1250") in basis points, for bar lengths.
    static func basisPoints(_ rate: String?) -> Int64 { Int64(((Double(rate ?? "0") ?? 0) * 10_000).rounded()) }

    /// Each arm's response rate as a bar, with the rate and the counts beside it.
    static func rateBars(_ arms: [Report.Arm]) -> String {
        let top = max(arms.map { basisPoints($0.responseRate) }.max() ?? 0, 1)
        let rowHeight = 26, labelWidth = 220, barWidth = 420
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(labelWidth + barWidth + 200)\" height=\"\(arms.count * rowHeight + 8)\" role=\"img\">"
        for (i, a) in arms.enumerated() {
            let y = i * rowHeight + 4
            let w = Int(Double(basisPoints(a.responseRate)) / Double(top) * Double(barWidth))
            let color = a.arm == "control" ? "#7f8c8d" : "#2e86c1"
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 17)\" text-anchor=\"end\" font-size=\"13\">\(HTMLReport.escape(a.arm))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(w)\" height=\"\(rowHeight - 8)\" fill=\"\(color)\"/>"
            svg += "<text x=\"\(labelWidth + w + 6)\" y=\"\(y + 17)\" font-size=\"12\">\(a.responseRate ?? "-") (\(a.responders) of \(a.members))</text>"
        }
        return svg + "</svg>"
    }

    /// Each comparison's interval as a line with a dot at the uplift, on a common scale with zero marked.
    static func forest(_ comparisons: [Report.Comparison]) -> String {
        let shown = comparisons.compactMap { c in c.uplift.map { (c, Double($0.value) ?? 0, Double($0.ciLow) ?? 0, Double($0.ciHigh) ?? 0) } }
        guard !shown.isEmpty else { return "<p class=\"muted\">No comparison yet: an arm is empty.</p>" }
        let lo = min(0, shown.map(\.2).min()!), hi = max(0, shown.map(\.3).max()!)
        let left = 220, width = 420, rowHeight = 26
        func x(_ v: Double) -> Int { left + Int((v - lo) / max(hi - lo, 1e-9) * Double(width)) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + width + 200)\" height=\"\(shown.count * rowHeight + 10)\" role=\"img\">"
        svg += "<line x1=\"\(x(0))\" y1=\"0\" x2=\"\(x(0))\" y2=\"\(shown.count * rowHeight + 10)\" stroke=\"#999\" stroke-dasharray=\"3,3\"/>"
        for (i, (c, v, l, h)) in shown.enumerated() {
            let y = i * rowHeight + 16
            let color = l > 0 ? "#27ae60" : h < 0 ? "#c0392b" : "#7f8c8d"
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 4)\" text-anchor=\"end\" font-size=\"13\">\(HTMLReport.escape("\(c.arm) vs \(c.against)"))</text>"
            svg += "<line x1=\"\(x(l))\" y1=\"\(y)\" x2=\"\(x(h))\" y2=\"\(y)\" stroke=\"\(color)\" stroke-width=\"3\"/>"
            svg += "<circle cx=\"\(x(v))\" cy=\"\(y)\" r=\"5\" fill=\"\(color)\"/>"
            svg +=
                "<text x=\"\(left + width + 10)\" y=\"\(y + 4)\" font-size=\"12\">\(HTMLReport.escape("\(c.uplift!.value) (\(c.uplift!.ciLow) … \(c.uplift!.ciHigh))"))</text>"
        }
        return svg + "</svg>"
    }

    static func waves(_ waves: [Report.Wave]) -> String {
        guard waves.count > 1 else { return "" }
        var s = "<h4>Waves</h4><table><tr><th>wave</th><th>started</th><th>treated rate</th><th>control rate</th><th>uplift</th><th>95 % interval</th>"
        s += "<th>incremental GMV ¥</th><th>cost ¥</th></tr>"
        for w in waves {
            let cells = [
                "\(w.occasion)\(w.windowOpen ? " (open)" : "")", w.startedAt, w.treated.responseRate ?? "-", w.control.responseRate ?? "-",
                w.uplift?.value ?? "-", w.uplift.map { "\($0.ciLow) … \($0.ciHigh)" } ?? "-", w.incrementalGMV ?? "-", w.treated.cost,
            ]
            s += "<tr>" + cells.map { "<td>\(HTMLReport.escape($0))</td>" }.joined() + "</tr>"
        }
        return s + "</table>"
    }
}
