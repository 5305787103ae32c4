import CRMCommandLine
import CRMProtocol

/// Settings as an operator reads them: one block per setting, labels on the left.
enum ConfigText {
    static func print(_ name: String, _ value: JSONValue) {
        switch name {
        case "points": points(value)
        case "segments": segments(value)
        case "tags": tags(value)
        default: identity(value)
        }
    }

    static func list(_ value: JSONValue?) -> String { (value?.arrayValue ?? []).map(\.cellText).joined(separator: ", ") }

    static func points(_ p: JSONValue) {
        Swift.print("points")
        let e = p["expiry"] ?? .null
        let round = e["round"]?.stringValue ?? "none"
        let expiry =
            e["policy"]?.stringValue == "yearly_clearing"
            ? "yearly clearing: \(e["share_percent"]?.cellText ?? "?")% of unused points on \(monthDay(e["month"], e["day"])) each year"
            : "rolling: \(e["months"]?.cellText ?? "?") months after earning"
                + (round == "month_end" ? ", to the month's end" : round == "year_end" ? ", to the year's end" : "")
        printLabelled([
            ("  earn rate", "\(p["earn_rate"]?.cellText ?? "?") per yuan"), ("  pending", "\(p["pending_days"]?.cellText ?? "0") days"),
            ("  refund policy", p["refund_policy"]?.cellText ?? "?"), ("  expiry", expiry), ("  timezone", p["timezone"]?.cellText ?? "?"),
        ])
    }

    static func monthDay(_ month: JSONValue?, _ day: JSONValue?) -> String {
        func two(_ v: JSONValue?) -> String { let t = v?.cellText ?? "?"; return t.count == 1 ? "0" + t : t }
        return two(month) + "-" + two(day)
    }

    static func segments(_ s: JSONValue) {
        Swift.print("segments")
        let r = s["rfm"] ?? .null, l = s["lifecycle"] ?? .null
        let mode =
            l["mode"]?.stringValue == "derived"
            ? "derived from repurchase intervals (new ≤ \(l["new_days"]?.cellText ?? "?") days)"
            : "fixed: new ≤ \(l["new_days"]?.cellText ?? "?") days, active ≤ \(l["active_days"]?.cellText ?? "?"), silent ≤ \(l["silent_days"]?.cellText ?? "?"), sleeping ≤ \(l["sleeping_days"]?.cellText ?? "?")"
        printLabelled([
            ("  RFM window", "\(r["window_days"]?.cellText ?? "?") days"), ("  R (recency)", "\(list(r["recency_days"])) days"),
            ("  F (frequency)", "\(list(r["frequency_min"])) purchases"), ("  M (monetary)", "\(list(r["monetary"])) yuan"),
            ("  lifecycle", mode),
        ])
        Swift.print("\ncontribution pyramid (tiers tried from the top; purchases in the RFM window)")
        var table = TextTable(headers: ["tier", "purchases", "average order (yuan)"])
        for tier in ["top", "second", "third", "bottom"] {
            let t = s["pyramid"]?[tier] ?? .null
            table.add([tier, PyramidText.purchases(t), PyramidText.average(t)])
        }
        Swift.print(table.render())
    }

    static func tags(_ t: JSONValue) {
        Swift.print("tag mappings (attribute → tag)")
        var table = TextTable(headers: ["attribute", "value", "tag"])
        for m in t["mappings"]?.arrayValue ?? [] { table.add([m["attribute"]?.cellText ?? "", m["value"]?.cellText ?? "any", m["tag"]?.cellText ?? ""]) }
        Swift.print(table.rows.isEmpty ? "  (none)" : table.render())
        Swift.print("attributes holding lists of tags: \(list(t["list_attributes"]).nonEmpty ?? "-")")
    }

    static func identity(_ i: JSONValue) {
        Swift.print("identity")
        let blocked = (i["blocked_keys"]?.arrayValue ?? []).map { "\($0["kind"]?.cellText ?? "") \($0["value"]?.cellText ?? "")" }
        printLabelled([
            ("  blocked keys", blocked.isEmpty ? "-" : blocked.joined(separator: ", ")), ("  key priority", list(i["key_priority"])),
            (
                "  accounts per key",
                "\(i["max_accounts_per_key_per_shop_channel"]?.cellText ?? "?") per shop channel, \(i["max_accounts_per_key"]?.cellText ?? "?") in all"
            ),
            (
                "  matches without a key",
                "merge at probability \(i["auto_merge_threshold"]?.cellText ?? "?"), review from \(i["review_threshold"]?.cellText ?? "?")"
            ),
            (
                "  candidates",
                "\(i["max_candidates_per_block"]?.cellText ?? "?") per blocking key, \(i["max_candidates"]?.cellText ?? "?") in all"
            ),
            ("  channel trust", list(i["channel_trust"])),
        ])
    }
}
