/// A campaign rule for earning points (多倍積分): what orders or items it matches and what it adds,
/// either a multiplier of the base points of what it matches or a fixed bonus per matching order,
/// with optional caps. Stored versioned: `id` names the exact version an accrual used.
public struct AccrualRule: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var version: Int64
    /// 200 = double points on what matches (the extra 100 % is this rule's bonus).
    public var multiplierPercent: Int64?
    /// Fixed extra points per matching order.
    public var bonus: Int64?
    public var skus: Set<String> = []
    public var categories: Set<String> = []
    public var channels: Set<Channel> = []
    public var shops: Set<String> = []
    public var paymentMethods: Set<String> = []
    /// Orders paid in [from, until) (UTC seconds) only.
    public var from: Int64?
    public var until: Int64?
    public var capPerOrder: Int64?
    public var capPerMemberPerDay: Int64?

    public static let maxMultiplierPercent: Int64 = 10_000
    public static let maxBonus: Int64 = 1_000_000_000

    public init(id: Int64, name: String, version: Int64, multiplierPercent: Int64? = nil, bonus: Int64? = nil) {
        self.id = id
        self.name = name
        self.version = version
        self.multiplierPercent = multiplierPercent
        self.bonus = bonus
    }

    /// Problems that make the rule unusable; empty when fine.
    public func problems() -> [String] {
        var out: [String] = []
        if (multiplierPercent == nil) == (bonus == nil) { out.append("give exactly one of multiplier_percent and bonus") }
        if let m = multiplierPercent, !(101...Self.maxMultiplierPercent).contains(m) {
            out.append("multiplier_percent must be between 101 and \(Self.maxMultiplierPercent)")
        }
        if let b = bonus, !(1...Self.maxBonus).contains(b) { out.append("bonus must be between 1 and \(Self.maxBonus)") }
        if let f = from, let u = until, f >= u { out.append("from must be before until") }
        if let c = capPerOrder, c < 1 { out.append("cap_per_order must be positive") }
        if let c = capPerMemberPerDay, c < 1 { out.append("cap_per_member_per_day must be positive") }
        return out
    }

    /// Whether the rule looks at items (SKU or category) rather than at the whole order.
    public var matchesItems: Bool { !skus.isEmpty || !categories.isEmpty }

    /// Whether the order itself qualifies (shop, channel, payment method, date window).
    func matchesOrder(_ order: AccrualOrder) -> Bool {
        if !channels.isEmpty && !channels.contains(order.channel) { return false }
        if !shops.isEmpty && !shops.contains(order.shop) { return false }
        if !paymentMethods.isEmpty && !paymentMethods.contains(order.paymentMethod ?? "") { return false }
        if let from, order.paidAt < from { return false }
        if let until, order.paidAt >= until { return false }
        return true
    }

    func matchesItem(_ item: AccrualOrder.Item) -> Bool {
        (!skus.isEmpty && skus.contains(item.sku ?? "")) || (!categories.isEmpty && categories.contains(item.category ?? ""))
    }
}

/// What accrual needs to know of a paid order.
public struct AccrualOrder: Sendable {
    public var shop: String
    public var channel: Channel
    public var amountFen: Int64
    public var paymentMethod: String?
    /// UTC seconds.
    public var paidAt: Int64
    public var items: [Item]

    public struct Item: Sendable {
        public var sku: String?
        public var category: String?
        /// Price times quantity.
        public var amountFen: Int64
        public init(sku: String?, category: String?, amountFen: Int64) {
            self.sku = sku
            self.category = category
            self.amountFen = amountFen
        }
    }

    public init(shop: String, channel: Channel, amountFen: Int64, paymentMethod: String?, paidAt: Int64, items: [Item]) {
        precondition(amountFen >= 0, "an order amount is never negative")
        self.shop = shop
        self.channel = channel
        self.amountFen = amountFen
        self.paymentMethod = paymentMethod
        self.paidAt = paidAt
        self.items = items
    }
}
