import CRMCommandLine
import CRMProtocol

/// `crmctl campaign report` as text: the campaign's terms, then the total and each wave as a table
/// of arms with response-rate bars, the uplift with its interval, and the comparisons.
enum CampaignReportText {
    typealias Report = RPC.CampaignReport.Report

    static func render(_ r: Report.Result) -> String {
        var out = [header(r)]
        let total = r.occasion.map { "Wave \($0)" } ?? "Total (\(r.waves.count) wave\(r.waves.count == 1 ? "" : "s"), each member once)"
        out.append(section(total, treated: r.treated, control: r.control, arms: r.arms, comparisons: r.comparisons))
        if r.occasion == nil && r.waves.count > 1 {
            for w in r.waves {
                out.append(section(waveTitle(w), treated: w.treated, control: w.control, arms: w.arms, comparisons: w.comparisons))
            }
        } else if let w = r.waves.first {
            out.append(waveTitle(w))
        }
        return out.joined(separator: "\n\n")
    }

    static func header(_ r: Report.Result) -> String {
        let scope =
            (r.scopeShops.isEmpty ? "any shop" : "shops " + r.scopeShops.joined(separator: ", "))
            + (r.scopeChannels.isEmpty ? "" : ", channels " + r.scopeChannels.joined(separator: ", "))
        return """
            Campaign \(r.name) (\(r.status)\(r.segment.map { ", segment \($0)" } ?? "")\(r.launchedAt.map { ", launched \($0)" } ?? ""))
            response: a paid order within \(r.windowDays) days of the touch, in \(scope); holdout \(r.holdoutPercent) %; points cost 1 yuan per \(r.pointsPerYuan)
            as of \(r.asOf)
            """
    }

    static func waveTitle(_ w: Report.Wave) -> String {
        "Wave \(w.occasion): started \(w.startedAt), window to \(w.windowEndsAt)"
            + (w.windowOpen ? " (still open: responses may still come)" : "") + (w.done ? "" : " (launch not finished)")
    }

    /// One block: the arms table, the rate bars, the uplift line, the comparisons and exclusions.
    static func section(_ title: String, treated: Report.Arm, control: Report.Arm, arms: [Report.Arm], comparisons: [Report.Comparison]) -> String {
        var table = TextTable(headers: ["arm", "members", "responders", "rate", "orders", "GMV ¥", "old cust. %", "coupons", "redeemed", "核銷率", "cost ¥"])
        let shown = arms.count > 2 ? arms.filter { $0.arm != control.arm } + [treated, control] : [treated, control]
        for a in shown {
            table.add([
                a.arm, String(a.members), String(a.responders), a.responseRate ?? "-", String(a.orders), a.gmv, a.oldCustomerShare,
                String(a.couponsIssued), String(a.couponsRedeemed), a.redemptionRate ?? "-", a.cost,
            ])
        }
        var lines = [title, table.render(), "", "response rate", rateBars(shown), ""]
        lines.append(comparisonTable(comparisons))
        let noConsent = shown.filter { $0.arm != "treated" }.reduce(0) { $0 + $1.noConsent }
        let merged = shown.filter { $0.arm != "treated" }.reduce(0) { $0 + $1.merged }
        let untouched = "touched \(treated.touched), refused \(treated.refused), out of budget \(treated.budget)"
        lines.append("\(untouched); left out: \(noConsent) without marketing consent, \(merged) merged into another member")
        return lines.joined(separator: "\n")
    }

    /// Each arm's response rate as a bar (the longest bar is the highest rate).
    static func rateBars(_ arms: [Report.Arm]) -> String {
        let basisPoints = arms.map { a in Int64((Double(a.responseRate ?? "0") ?? 0) * 10_000) }
        let top = basisPoints.max() ?? 0
        var table = TextTable(headers: ["", "rate", ""])
        for (a, bp) in zip(arms, basisPoints) { table.add([a.arm, a.responseRate ?? "-", BarChart.bar(bp, of: top, width: 40)]) }
        return table.render()
    }

    static func comparisonTable(_ comparisons: [Report.Comparison]) -> String {
        var table = TextTable(headers: ["", "uplift", "95 % interval", "incr. orders", "incr. GMV ¥", "per ¥ of cost", ""])
        for c in comparisons {
            let interval = c.uplift.map { "\($0.ciLow) … \($0.ciHigh)" } ?? "-"
            let verdict = c.uplift.map { u in (Double(u.ciLow) ?? 0) > 0 ? "better" : (Double(u.ciHigh) ?? 0) < 0 ? "worse" : "not shown to differ" } ?? ""
            table.add([
                "\(c.arm) vs \(c.against)", c.uplift?.value ?? "-", interval, c.incrementalOrders.map(String.init) ?? "-", c.incrementalGMV ?? "-",
                c.incrementalGMVPerYuan ?? "-", verdict,
            ])
        }
        return table.render()
    }
}
