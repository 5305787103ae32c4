/// What a checkout is about to sell to a member, as `member.benefits` and coupon redemption see it:
/// the shop, the channel, the amount (list price, fen) and optionally the items.
public struct Cart: Sendable, Equatable {
    public var shop: String
    /// Nil when the checkout does not say (a coupon limited to channels is then out of scope).
    public var channel: Channel?
    public var amountFen: Int64
    public var items: [Item]

    /// One line of the cart: its SKU and category, and what the line costs (price × quantity, fen).
    public struct Item: Sendable, Equatable {
        public var sku: String?
        public var category: String?
        public var amountFen: Int64

        public init(sku: String?, category: String?, amountFen: Int64) {
            precondition(amountFen >= 0, "an item amount is never negative")
            self.sku = sku
            self.category = category
            self.amountFen = amountFen
        }
    }

    public static let maxItems = 500

    public init(shop: String, channel: Channel?, amountFen: Int64, items: [Item] = []) {
        precondition(amountFen >= 0, "a cart amount is never negative")
        self.shop = shop
        self.channel = channel
        self.amountFen = amountFen
        self.items = items
    }

    /// The cart at a member price (`percent` of list, 95 = 5 % off), amounts rounded half up to the
    /// fen; items are scaled alike.
    public func atPrice(percent: Int64) -> Cart {
        precondition((1...100).contains(percent), "a member price is 1-100 % of list")
        func scale(_ fen: Int64) -> Int64 { (fen / 100 * percent) + (fen % 100 * percent + 50) / 100 }
        return Cart(
            shop: shop, channel: channel, amountFen: scale(amountFen),
            items: items.map { Item(sku: $0.sku, category: $0.category, amountFen: scale($0.amountFen)) })
    }
}
