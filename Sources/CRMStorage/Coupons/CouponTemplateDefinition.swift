import CRMDomain
import CRMJSON

/// A coupon template's terms as JSON, the shape stored in `coupon_template_version.definition` and
/// shown by `coupon.template.list`: `{"kind": "amount"|"percent", "value": "3.00"|10, "cap"?,
/// "min_spend", "scope", "valid_days" | "valid_from"+"valid_until", "per_member_limit", "budget"?,
/// "stackable", "release_on_refund", "title"?, "points_price"?}`. Amounts are yuan text.
public enum CouponTemplateDefinition {
    /// The stored definition of a template (no name or version).
    public static func render(_ t: CouponTemplate) -> JSONValue {
        var o = JSONObject()
        switch t.discount {
        case .amount(let fen):
            o["kind"] = "amount"
            o["value"] = .string(Money.format(fen: fen))
        case .percent(let p, let cap):
            o["kind"] = "percent"
            o["value"] = .int(p)
            if let cap { o["cap"] = .string(Money.format(fen: cap)) }
        }
        o["min_spend"] = .string(Money.format(fen: t.minSpendFen))
        var scope = JSONObject()
        func put(_ key: String, _ values: [String]) { if !values.isEmpty { scope[key] = .array(values.map(JSONValue.string)) } }
        put("shops", t.scope.shops)
        put("channels", t.scope.channels.map(\.rawValue))
        put("categories", t.scope.categories)
        put("skus", t.scope.skus)
        o["scope"] = .object(scope)
        switch t.validity {
        case .days(let d): o["valid_days"] = .int(d)
        case .dates(let from, let until):
            o["valid_from"] = .string(from)
            o["valid_until"] = .string(until)
        }
        o["per_member_limit"] = .int(t.perMemberLimit)
        if let b = t.budget { o["budget"] = .int(b) }
        o["stackable"] = .bool(t.stackable)
        o["release_on_refund"] = .bool(t.releaseOnRefund)
        if let title = t.title { o["title"] = .string(title) }
        if let p = t.pointsPrice { o["points_price"] = .int(p) }
        return .object(o)
    }

    /// A stored definition read back; crmd wrote it, so anything unreadable is a broken invariant.
    static func stored(_ json: JSONValue, name: String, version: Int64) -> CouponTemplate {
        guard let o = json.objectValue, let kind = o["kind"]?.stringValue else { preconditionFailure("coupon template \(name) v\(version) is unreadable") }
        func fen(_ key: String) -> Int64? { o[key]?.stringValue.flatMap(Money.parseFen) }
        let discount: CouponDiscount =
            kind == "amount" ? .amount(fen: fen("value")!) : .percent(o["value"]!.int64Value!, capFen: fen("cap"))
        var t = CouponTemplate(name: name, discount: discount)
        t.version = version
        t.minSpendFen = fen("min_spend") ?? 0
        let scope = o["scope"]?.objectValue ?? JSONObject()
        func list(_ key: String) -> [String] { scope[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        t.scope = CouponScope(
            shops: list("shops"), channels: list("channels").compactMap(Channel.init(rawValue:)), categories: list("categories"), skus: list("skus"))
        if let d = o["valid_days"]?.int64Value {
            t.validity = .days(d)
        } else {
            t.validity = .dates(from: o["valid_from"]!.stringValue!, until: o["valid_until"]!.stringValue!)
        }
        t.perMemberLimit = o["per_member_limit"]?.int64Value ?? 1
        t.budget = o["budget"]?.int64Value
        t.stackable = o["stackable"]?.boolValue ?? false
        t.releaseOnRefund = o["release_on_refund"]?.boolValue ?? true
        t.title = o["title"]?.stringValue
        t.pointsPrice = o["points_price"]?.int64Value
        return t
    }
}
