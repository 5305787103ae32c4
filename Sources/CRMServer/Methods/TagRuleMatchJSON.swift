import CRMDomain
import CRMProtocol

/// A tag rule's `match` object read into a `TagRuleMatch`; errors name the condition by its JSON
/// path (`match.channels[1]`).
enum TagRuleMatchJSON {
    static func strings(_ p: Params, _ key: String) throws(RPCError) -> [String] {
        guard let v = p.object[key], !v.isNull else { return [] }
        guard case .array(let items) = v, !items.isEmpty, items.count <= 100 else {
            throw .invalidParams("\(p.field(key)) must be a list of 1 to 100 strings", field: p.field(key), reason: .wrongType)
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = item.stringValue, !s.isEmpty, s.count <= 100 else {
                throw .invalidParams("a string of 1 to 100 characters", field: "\(p.field(key))[\(i)]", reason: .wrongType)
            }
            out.append(s)
        }
        return out
    }

    /// Reads a rule's `match` object.
    static func parse(_ value: JSONValue) throws(RPCError) -> TagRuleMatch {
        let p = try Params(value, path: "match")
        try p.allowOnly(["name_contains", "skus", "categories", "min_amount", "channels", "shops", "address_contains", "address_groups"])
        var m = TagRuleMatch()
        m.item = ItemMatch(nameContains: try strings(p, "name_contains"), skus: try strings(p, "skus"), categories: try strings(p, "categories"))
        if let v = p.object["min_amount"], !v.isNull {
            let text: String? =
                switch v {
                case .string(let s): s;
                case .number(let s): s;
                default: nil
                }
            guard let text, let fen = Money.parseFen(text) else {
                throw .invalidParams("min_amount is yuan with at most two decimals", field: "match.min_amount", reason: .outOfRange)
            }
            m.minAmountFen = fen
        }
        for (i, name) in try strings(p, "channels").enumerated() {
            guard let c = Channel(rawValue: name) else {
                throw .invalidParams("a channel is mobile, web or group_buy", field: "match.channels[\(i)]", reason: .badChannel)
            }
            m.channels.append(c)
        }
        m.shops = try strings(p, "shops")
        m.addressContains = try strings(p, "address_contains")
        for (i, g) in try strings(p, "address_groups").enumerated() {
            guard let k = AddressKeywords.keywords(of: g) else {
                throw .invalidParams(
                    "no address group \(g) (known: \(AddressKeywords.groups.keys.sorted().joined(separator: ", ")))",
                    field: "match.address_groups[\(i)]", reason: .badSetting)
            }
            m.addressContains += k
        }
        guard !m.isEmpty else { throw .invalidParams("a rule needs at least one condition", field: "match", reason: .missingField) }
        return m
    }
}
