import CRMDomain
import CRMJSON

/// A tiered coupon rule as JSON, the shape stored in `coupon_rule.definition`:
/// `{"tiers": [{"min_amount": "100.00", "template": "T3"}, …], "shops": […], "channels": […]}`
/// (amounts yuan text; tiers by rising amount).
public enum CouponRuleDefinition {
    /// The stored definition of a rule (no name or version).
    public static func render(_ rule: CouponTiers) -> JSONValue {
        let tiers = rule.tiers.sorted { $0.minAmountFen < $1.minAmountFen }
        return [
            "tiers": .array(tiers.map { ["min_amount": .string(Money.format(fen: $0.minAmountFen)), "template": .string($0.template)] }),
            "shops": .array(rule.shops.map(JSONValue.string)),
            "channels": .array(rule.channels.map { .string($0.rawValue) }),
        ]
    }

    /// A stored definition read back; crmd wrote it, so anything unreadable is a broken invariant.
    static func stored(_ json: JSONValue, name: String, version: Int64) -> CouponTiers {
        guard let o = json.objectValue, let tiers = o["tiers"]?.arrayValue else { preconditionFailure("coupon rule \(name) v\(version) is unreadable") }
        var rule = CouponTiers(
            name: name,
            tiers: tiers.map { t in
                guard let fen = t["min_amount"]?.stringValue.flatMap(Money.parseFen), let template = t["template"]?.stringValue else {
                    preconditionFailure("coupon rule \(name) v\(version) has an unreadable tier")
                }
                return CouponTiers.Tier(minAmountFen: fen, template: template)
            })
        rule.version = version
        rule.shops = o["shops"]?.arrayValue?.compactMap(\.stringValue) ?? []
        rule.channels = o["channels"]?.arrayValue?.compactMap { $0.stringValue.flatMap(Channel.init(rawValue:)) } ?? []
        return rule
    }
}
