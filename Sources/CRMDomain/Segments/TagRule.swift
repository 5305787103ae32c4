/// What a paid order must look like for a tag rule to tag its member: every part given must hold
/// (item conditions on one and the same item; lists mean any of their values).
public struct TagRuleMatch: Sendable, Equatable {
    public var item: ItemMatch = ItemMatch()
    /// The order's amount at least this (fen).
    public var minAmountFen: Int64?
    public var channels: [Channel] = []
    public var shops: [String] = []
    /// The member's address contains any of these (keyword groups expanded).
    public var addressContains: [String] = []

    public init() {}

    public var isEmpty: Bool { item.isEmpty && minAmountFen == nil && channels.isEmpty && shops.isEmpty && addressContains.isEmpty }

    /// One item of an order, as the rule sees it.
    public struct Item: Sendable {
        public var sku: String?, name: String?, category: String?
        public init(sku: String?, name: String?, category: String?) { (self.sku, self.name, self.category) = (sku, name, category) }
    }

    /// Whether an order matches, its text and the rule's compared as given (the storage layer
    /// evaluates the same in SQL, on text with Chinese scripts folded to one).
    public func matches(amountFen: Int64, channel: Channel, shop: String, items: [Item], address: String?) -> Bool {
        if let min = minAmountFen, amountFen < min { return false }
        if !channels.isEmpty && !channels.contains(channel) { return false }
        if !shops.isEmpty && !shops.contains(shop) { return false }
        if !addressContains.isEmpty && !addressContains.contains(where: { kw in address?.contains(kw) ?? false }) { return false }
        if !item.isEmpty && !items.contains(where: { item.matches(name: $0.name, sku: $0.sku, category: $0.category) }) { return false }
        return true
    }
}
