import CRMDomain
import CRMJSON

/// An accrual rule's definition as JSON, the one shape used on the wire (`points.rule.add`) and in
/// `points_rule.definition`: `{"multiplier_percent"|"bonus", "match": {…}, "cap_per_order",
/// "cap_per_member_per_day"}`.
public enum AccrualRuleDefinition {
    static let maxListEntries = 1_000

    /// Reads a definition (the members other than `name`); errors name the field by its path.
    public static func parse(_ object: JSONObject, id: Int64 = 0, name: String, version: Int64 = 0, path: String = "") throws(StorageError) -> AccrualRule {
        func field(_ key: String) -> String { path.isEmpty ? key : path + "." + key }
        func bad(_ key: String, _ message: String) -> StorageError { .invalid(field: field(key), reason: .badRule, message: message) }
        for key in object.keys where !["name", "multiplier_percent", "bonus", "match", "cap_per_order", "cap_per_member_per_day"].contains(key) {
            throw .invalid(field: field(key), reason: .unknownField, message: "unknown parameter \(key)")
        }
        func int(_ key: String, _ value: JSONValue?) throws(StorageError) -> Int64? {
            guard let value, !value.isNull else { return nil }
            guard let i = value.int64Value else { throw bad(key, "\(key) must be a whole number") }
            return i
        }
        var rule = AccrualRule(
            id: id, name: name, version: version,
            multiplierPercent: try int("multiplier_percent", object["multiplier_percent"]), bonus: try int("bonus", object["bonus"]))
        rule.capPerOrder = try int("cap_per_order", object["cap_per_order"])
        rule.capPerMemberPerDay = try int("cap_per_member_per_day", object["cap_per_member_per_day"])
        if let match = object["match"], !match.isNull {
            guard let m = match.objectValue else { throw bad("match", "match must be an object") }
            for key in m.keys where !["skus", "categories", "channels", "shops", "payment_methods", "from", "until"].contains(key) {
                throw .invalid(field: field("match." + key), reason: .unknownField, message: "unknown match field \(key)")
            }
            func list(_ key: String) throws(StorageError) -> [String] {
                guard let v = m[key], !v.isNull else { return [] }
                guard let items = v.arrayValue, items.count <= maxListEntries else {
                    throw bad("match." + key, "match.\(key) must be an array of at most \(maxListEntries) strings")
                }
                var out: [String] = []
                for item in items {
                    guard let s = item.stringValue, !s.isEmpty, s.count <= 128 else {
                        throw bad("match." + key, "match.\(key) must hold strings of 1-128 characters")
                    }
                    out.append(s)
                }
                return out
            }
            rule.skus = Set(try list("skus"))
            rule.categories = Set(try list("categories"))
            rule.shops = Set(try list("shops"))
            rule.paymentMethods = Set(try list("payment_methods"))
            var channels = Set<Channel>()
            for name in try list("channels") {
                guard let ch = Channel(rawValue: name) else { throw bad("match.channels", "unknown channel \(name): mobile, web or group_buy") }
                channels.insert(ch)
            }
            rule.channels = channels
            for key in ["from", "until"] {
                guard let v = m[key], !v.isNull else { continue }
                guard let text = v.stringValue, let seconds = CivilTime.seconds(rfc3339: text) else {
                    throw bad("match." + key, "match.\(key) must be an RFC 3339 timestamp")
                }
                if key == "from" { rule.from = seconds } else { rule.until = seconds }
            }
        }
        if let problem = rule.problems().first { throw .invalid(field: path.isEmpty ? "definition" : path, reason: .badRule, message: problem) }
        return rule
    }

    /// The definition of a rule as stored and shown (no id, name or version).
    public static func render(_ rule: AccrualRule) -> JSONValue {
        var o = JSONObject()
        if let m = rule.multiplierPercent { o["multiplier_percent"] = .int(m) }
        if let b = rule.bonus { o["bonus"] = .int(b) }
        var match = JSONObject()
        func put(_ key: String, _ values: Set<String>) { if !values.isEmpty { match[key] = .array(values.sorted().map(JSONValue.string)) } }
        put("skus", rule.skus)
        put("categories", rule.categories)
        put("channels", Set(rule.channels.map(\.rawValue)))
        put("shops", rule.shops)
        put("payment_methods", rule.paymentMethods)
        if let f = rule.from { match["from"] = .string(CivilTime.rfc3339(f)) }
        if let u = rule.until { match["until"] = .string(CivilTime.rfc3339(u)) }
        if match.count > 0 { o["match"] = .object(match) }
        if let c = rule.capPerOrder { o["cap_per_order"] = .int(c) }
        if let c = rule.capPerMemberPerDay { o["cap_per_member_per_day"] = .int(c) }
        return .object(o)
    }
}
