import CRMCommandLine
import CRMProtocol

/// One self-contained HTML page with every report as inline SVG bar charts and the RFM grid as a
/// heat map: no scripts, no external files, so it opens anywhere and can be mailed.
enum HTMLReport {
    /// Every report the page shows.
    struct Reports {
        var rfm: RPC.Report.RFM.Result
        var pyramid: RPC.Report.Pyramid.Result
        var groups: RPC.Report.PurchaseGroups.Result
        var lifecycle: RPC.Report.Lifecycle.Result
        var seasons: RPC.Report.Seasons.Result
        var repurchase: RPC.Report.Repurchase.Result
        var channels: RPC.Report.Channels.Result
        var levels: RPC.Report.Levels.Result
        /// The campaigns given with `--campaign`, a section each.
        var campaigns: [RPC.CampaignReport.Report.Result] = []
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A horizontal bar chart: one bar per row, label left, count and share right.
    static func bars(_ rows: [(label: String, value: Int64, share: String?)], color: String = "#3b6ea5") -> String {
        let top = max(rows.map(\.value).max() ?? 0, 1)
        let rowHeight = 26, labelWidth = 260, barWidth = 420
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(labelWidth + barWidth + 160)\" height=\(String(rows.count * rowHeight + 8).quoted) role=\"img\">"
        for (i, r) in rows.enumerated() {
            let y = i * rowHeight + 4
            let w = Int(Double(r.value) / Double(top) * Double(barWidth))
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 17)\" text-anchor=\"end\" font-size=\"13\">\(escape(r.label))</text>"
            svg +=
                "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(max(w, r.value > 0 ? 1 : 0))\" height=\"\(rowHeight - 8)\" fill=\"\(color)\"><title>\(escape(r.label)): \(r.value)</title></rect>"
            svg += "<text x=\"\(labelWidth + w + 6)\" y=\"\(y + 17)\" font-size=\"12\" fill=\"#333\">\(r.value)\(r.share.map { " (\($0)%)" } ?? "")</text>"
        }
        return svg + "</svg>"
    }

    static func rows<Row: MembersShare>(_ list: [Row], label: (Row) -> String) -> [(label: String, value: Int64, share: String?)] {
        list.map { (label($0), $0.members, $0.share) }
    }

    /// The R × F grid as a heat map (cell colour by members).
    static func heatmap(_ rfm: RPC.Report.RFM.Result) -> String {
        var grid: [Int: [Int: Int64]] = [:]
        for c in rfm.cells { grid[c.r, default: [:]][c.f, default: 0] += c.members }
        let rs = rfm.r, fs = rfm.f
        let top = max(grid.values.flatMap(\.values).max() ?? 0, 1)
        let cw = 110, ch = 36, left = 130, head = 30
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + cw * fs.count + 10)\" height=\"\(head + ch * rs.count + 10)\" role=\"img\">"
        for (j, f) in fs.enumerated() {
            svg += "<text x=\"\(left + j * cw + cw / 2)\" y=\"20\" text-anchor=\"middle\" font-size=\"12\">F\(f.band) \(escape(f.label))</text>"
        }
        for (i, r) in rs.enumerated() {
            let y = head + i * ch
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 22)\" text-anchor=\"end\" font-size=\"12\">R\(r.band) \(escape(r.label))</text>"
            for (j, f) in fs.enumerated() {
                let n = grid[r.band]?[f.band] ?? 0
                let alpha = n == 0 ? 0.04 : 0.15 + 0.85 * Double(n) / Double(top)
                svg +=
                    "<rect x=\"\(left + j * cw)\" y=\"\(y)\" width=\"\(cw - 2)\" height=\"\(ch - 2)\" fill=\"#c0392b\" fill-opacity=\"\(String(format: "%.2f", alpha))\"/>"
                svg += "<text x=\"\(left + j * cw + cw / 2)\" y=\"\(y + 22)\" text-anchor=\"middle\" font-size=\"12\">\(n)</text>"
            }
        }
        return svg + "</svg>"
    }

    static func page(_ r: Reports) -> String {
        let rfm = r.rfm, pyramid = r.pyramid, life = r.lifecycle, seasons = r.seasons, rep = r.repurchase, channels = r.channels
        var body = "<h1>Members report</h1><p class=\"muted\">\(rfm.members) members, as of \(escape(rfm.asOf)); RFM window \(rfm.windowDays) days.</p>"
        body += "<h2>RFM</h2><div class=\"grid\">"
        for (bands, title) in [(rfm.r, "R — last purchase"), (rfm.f, "F — purchases in the window"), (rfm.m, "M — spend in the window (¥)")] {
            body += "<section><h3>\(escape(title))</h3>" + bars(rows(bands) { "\($0.band) \($0.label)" }) + "</section>"
        }
        body += "</div><h3>R × F (members)</h3>" + heatmap(rfm)
        body += "<h2>Contribution pyramid</h2>" + bars(rows(pyramid.tiers) { $0.tier }, color: "#8e44ad")
        body += "<table><tr><th>tier</th><th>purchases</th><th>average order ¥</th><th>spend ¥</th><th>spend share %</th></tr>"
        for t in pyramid.tiers {
            let cells = [t.tier, t.thresholds.map(PyramidText.purchases) ?? "-", t.thresholds.map(PyramidText.average) ?? "-", t.spend, t.spendShare]
            body += "<tr>" + cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>"
        }
        body += "</table>"
        body += "<h2>Purchase-count groups</h2>" + bars(rows(r.groups.groups) { $0.group }, color: "#16a085")
        let t = life.thresholds
        body +=
            "<h2>Lifecycle</h2><p class=\"muted\">\(escape(life.mode)) thresholds: new ≤ \(t.newDays) d, active ≤ \(t.activeDays) d, silent ≤ \(t.silentDays) d, sleeping ≤ \(t.sleepingDays) d</p>"
        body += bars(rows(life.stages) { $0.stage }, color: "#d35400")
        body +=
            "<h2>Seasons</h2><p class=\"muted\">\(seasons.allFour) bought in all four seasons; \(seasons.atRisk) at risk (none in the last two seasons).</p>"
        body += bars(rows(seasons.bySeasons) { "\($0.seasons) season(s)" }, color: "#27ae60")
        body += "<h2>Repurchase</h2><table>"
        for (label, value) in [
            ("repurchase rate (window) %", rep.repurchaseRateInWindow), ("repurchase rate (ever) %", rep.repurchaseRateEver),
            ("spend in the window ¥", rep.spendInWindow), ("old customers' share %", rep.oldCustomerShare), ("average order ¥", rep.averageOrder),
        ] {
            body += "<tr><th>\(escape(label))</th><td>\(escape(value))</td></tr>"
        }
        body += "</table>"
        body +=
            "<h2>Channels</h2><p class=\"muted\">\(channels.multiChannel) of \(channels.buyers) buyers (\(channels.multiChannelShare)%) buy in several channels.</p>"
        body += bars(rows(channels.combinations) { $0.channels }, color: "#2c3e50")
        body += "<h2>Levels</h2>" + bars(rows(r.levels.levels) { "\($0.code) \($0.name)" }, color: "#b7950b")
        body += HTMLCampaigns.sections(r.campaigns)
        return """
            <!doctype html><html lang="zh-Hant"><head><meta charset="utf-8"><title>Members report</title>
            <style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:2em}
            .muted{color:#666}.grid{display:flex;flex-wrap:wrap;gap:1em}table{border-collapse:collapse}th,td{text-align:left;padding:4px 12px;border-bottom:1px solid #eee}</style>
            </head><body>\(body)</body></html>
            """
    }
}

private extension String {
    var quoted: String { "\"" + self + "\"" }
}
