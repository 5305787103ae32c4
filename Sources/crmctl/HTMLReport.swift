import CRMCommandLine
import CRMProtocol

/// One self-contained HTML page with every report as inline SVG bar charts and the RFM grid as a
/// heat map: no scripts, no external files, so it opens anywhere and can be mailed.
enum HTMLReport {
    static let methods = ["report.rfm", "report.pyramid", "report.purchase_groups", "report.lifecycle", "report.seasons", "report.repurchase",
                          "report.channels", "report.levels"]

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
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(labelWidth + barWidth + 160)\" height=\(String(rows.count * rowHeight + 8).quoted) role=\"img\">"
        for (i, r) in rows.enumerated() {
            let y = i * rowHeight + 4
            let w = Int(Double(r.value) / Double(top) * Double(barWidth))
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 17)\" text-anchor=\"end\" font-size=\"13\">\(escape(r.label))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(max(w, r.value > 0 ? 1 : 0))\" height=\"\(rowHeight - 8)\" fill=\"\(color)\"><title>\(escape(r.label)): \(r.value)</title></rect>"
            svg += "<text x=\"\(labelWidth + w + 6)\" y=\"\(y + 17)\" font-size=\"12\" fill=\"#333\">\(r.value)\(r.share.map { " (\($0)%)" } ?? "")</text>"
        }
        return svg + "</svg>"
    }

    static func rows(_ list: JSONValue?, label: (JSONValue) -> String) -> [(label: String, value: Int64, share: String?)] {
        (list?.arrayValue ?? []).map { (label($0), $0["members"]?.int64Value ?? 0, $0["share"]?.stringValue) }
    }

    /// The R × F grid as a heat map (cell colour by members).
    static func heatmap(_ rfm: JSONValue) -> String {
        var grid: [Int: [Int: Int64]] = [:]
        for c in rfm["cells"]?.arrayValue ?? [] {
            grid[Int(c["r"]?.int64Value ?? 0), default: [:]][Int(c["f"]?.int64Value ?? 0), default: 0] += c["members"]?.int64Value ?? 0
        }
        let rs = rfm["r"]?.arrayValue ?? [], fs = rfm["f"]?.arrayValue ?? []
        let top = max(grid.values.flatMap(\.values).max() ?? 0, 1)
        let cw = 110, ch = 36, left = 130, head = 30
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + cw * fs.count + 10)\" height=\"\(head + ch * rs.count + 10)\" role=\"img\">"
        for (j, f) in fs.enumerated() {
            svg += "<text x=\"\(left + j * cw + cw / 2)\" y=\"20\" text-anchor=\"middle\" font-size=\"12\">F\(f["band"]?.cellText ?? "") \(escape(f["label"]?.cellText ?? ""))</text>"
        }
        for (i, r) in rs.enumerated() {
            let y = head + i * ch
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 22)\" text-anchor=\"end\" font-size=\"12\">R\(r["band"]?.cellText ?? "") \(escape(r["label"]?.cellText ?? ""))</text>"
            for (j, f) in fs.enumerated() {
                let n = grid[Int(r["band"]?.int64Value ?? 0)]?[Int(f["band"]?.int64Value ?? 0)] ?? 0
                let alpha = n == 0 ? 0.04 : 0.15 + 0.85 * Double(n) / Double(top)
                svg += "<rect x=\"\(left + j * cw)\" y=\"\(y)\" width=\"\(cw - 2)\" height=\"\(ch - 2)\" fill=\"#c0392b\" fill-opacity=\"\(String(format: "%.2f", alpha))\"/>"
                svg += "<text x=\"\(left + j * cw + cw / 2)\" y=\"\(y + 22)\" text-anchor=\"middle\" font-size=\"12\">\(n)</text>"
            }
        }
        return svg + "</svg>"
    }

    static func page(_ r: [String: JSONValue]) -> String {
        let rfm = r["report.rfm"] ?? .null, pyramid = r["report.pyramid"] ?? .null, groups = r["report.purchase_groups"] ?? .null
        let life = r["report.lifecycle"] ?? .null, seasons = r["report.seasons"] ?? .null, rep = r["report.repurchase"] ?? .null
        let channels = r["report.channels"] ?? .null, levels = r["report.levels"] ?? .null
        var body = "<h1>Members report</h1><p class=\"muted\">\(rfm["members"]?.cellText ?? "?") members, as of \(escape(rfm["as_of"]?.cellText ?? "")); RFM window \(rfm["window_days"]?.cellText ?? "?") days.</p>"
        body += "<h2>RFM</h2><div class=\"grid\">"
        for (key, title) in [("r", "R — last purchase"), ("f", "F — purchases in the window"), ("m", "M — spend in the window (¥)")] {
            body += "<section><h3>\(escape(title))</h3>" + bars(rows(rfm[key]) { "\($0["band"]?.cellText ?? "") \($0["label"]?.cellText ?? "")" }) + "</section>"
        }
        body += "</div><h3>R × F (members)</h3>" + heatmap(rfm)
        body += "<h2>Contribution pyramid</h2>" + bars(rows(pyramid["tiers"]) { $0["tier"]?.cellText ?? "" }, color: "#8e44ad")
        body += "<table><tr><th>tier</th><th>purchases</th><th>average order ¥</th><th>spend ¥</th><th>spend share %</th></tr>"
        for t in pyramid["tiers"]?.arrayValue ?? [] {
            let cells = [t["tier"]?.cellText ?? "", t["thresholds"].map(PyramidText.purchases) ?? "-", t["thresholds"].map(PyramidText.average) ?? "-",
                         t["spend"]?.cellText ?? "0", t["spend_share"]?.cellText ?? "0"]
            body += "<tr>" + cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>"
        }
        body += "</table>"
        body += "<h2>Purchase-count groups</h2>" + bars(rows(groups["groups"]) { $0["group"]?.cellText ?? "" }, color: "#16a085")
        let t = life["thresholds"] ?? .null
        body += "<h2>Lifecycle</h2><p class=\"muted\">\(escape(life["mode"]?.cellText ?? "")) thresholds: new ≤ \(t["new_days"]?.cellText ?? "?") d, active ≤ \(t["active_days"]?.cellText ?? "?") d, silent ≤ \(t["silent_days"]?.cellText ?? "?") d, sleeping ≤ \(t["sleeping_days"]?.cellText ?? "?") d</p>"
        body += bars(rows(life["stages"]) { $0["stage"]?.cellText ?? "" }, color: "#d35400")
        body += "<h2>Seasons</h2><p class=\"muted\">\(seasons["all_four"]?.cellText ?? "0") bought in all four seasons; \(seasons["at_risk"]?.cellText ?? "0") at risk (none in the last two seasons).</p>"
        body += bars(rows(seasons["by_seasons"]) { "\($0["seasons"]?.cellText ?? "") season(s)" }, color: "#27ae60")
        body += "<h2>Repurchase</h2><table>"
        for (label, key) in [("repurchase rate (window) %", "repurchase_rate_in_window"), ("repurchase rate (ever) %", "repurchase_rate_ever"),
                             ("spend in the window ¥", "spend_in_window"), ("old customers' share %", "old_customer_share"), ("average order ¥", "average_order")] {
            body += "<tr><th>\(escape(label))</th><td>\(escape(rep[key]?.cellText ?? "-"))</td></tr>"
        }
        body += "</table>"
        body += "<h2>Channels</h2><p class=\"muted\">\(channels["multi_channel"]?.cellText ?? "0") of \(channels["buyers"]?.cellText ?? "0") buyers (\(channels["multi_channel_share"]?.cellText ?? "0")%) buy in several channels.</p>"
        body += bars(rows(channels["combinations"]) { $0["channels"]?.cellText ?? "" }, color: "#2c3e50")
        body += "<h2>Levels</h2>" + bars(rows(levels["levels"]) { "\($0["code"]?.cellText ?? "") \($0["name"]?.cellText ?? "")" }, color: "#b7950b")
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
