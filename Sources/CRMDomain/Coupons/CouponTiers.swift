/// A tiered issue rule (滿額送券: ¥100 → a ¥3 coupon, ¥150 → a ¥5 coupon): a paid order issues the
/// template of the highest tier its amount reaches, once. Versioned by name like points rules.
public struct CouponTiers: Sendable, Equatable {
    public var name: String
    public var version: Int64 = 0
    public var tiers: [Tier]
    /// Only orders of these shops and channels (empty: any).
    public var shops: [String] = []
    public var channels: [Channel] = []

    /// One tier: orders of at least `minAmountFen` get a coupon of `template`.
    public struct Tier: Sendable, Equatable {
        public var minAmountFen: Int64
        public var template: String

        public init(minAmountFen: Int64, template: String) {
            self.minAmountFen = minAmountFen
            self.template = template
        }
    }

    public static let maxTiers = 20

    public init(name: String, tiers: [Tier]) {
        self.name = name
        self.tiers = tiers
    }

    /// Problems that make the rule unusable; empty when fine.
    public func problems() -> [String] {
        var out: [String] = []
        if name.isEmpty || name.count > 100 { out.append("name must be 1-100 characters") }
        if tiers.isEmpty || tiers.count > Self.maxTiers { out.append("tiers must have 1 to \(Self.maxTiers) entries") }
        if Set(tiers.map(\.minAmountFen)).count != tiers.count { out.append("tiers must have different min_amount") }
        if tiers.contains(where: { !(1...Money.maxFen).contains($0.minAmountFen) }) { out.append("min_amount must be above 0") }
        return out
    }

    /// The template an order of `amountFen` in `shop` / `channel` earns, if any.
    public func template(forAmount amountFen: Int64, shop: String, channel: Channel) -> String? {
        guard shops.isEmpty || shops.contains(shop), channels.isEmpty || channels.contains(channel) else { return nil }
        return tiers.filter { amountFen >= $0.minAmountFen }.max { $0.minAmountFen < $1.minAmountFen }?.template
    }
}
