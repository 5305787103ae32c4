/// Where a coupon may be used: shops and channels (the whole cart), categories and SKUs (only the
/// items that match count towards the minimum spend and the discount). Empty lists mean any.
public struct CouponScope: Sendable, Equatable {
    public var shops: [String] = []
    public var channels: [Channel] = []
    public var categories: [String] = []
    public var skus: [String] = []

    public static let maxEntries = 200

    public init(shops: [String] = [], channels: [Channel] = [], categories: [String] = [], skus: [String] = []) {
        self.shops = shops
        self.channels = channels
        self.categories = categories
        self.skus = skus
    }

    /// Whether only some items of a cart count (a category or SKU scope).
    public var limitsItems: Bool { !categories.isEmpty || !skus.isEmpty }

    func problems() -> [String] {
        var out: [String] = []
        for (name, list) in [("shops", shops), ("categories", categories), ("skus", skus)] {
            if list.count > Self.maxEntries { out.append("scope.\(name) has more than \(Self.maxEntries) entries") }
            if list.contains(where: { $0.isEmpty || $0.count > 100 }) { out.append("scope.\(name) entries must be 1-100 characters") }
        }
        return out
    }

    /// Whether the item counts towards the coupon.
    public func covers(_ item: Cart.Item) -> Bool {
        (categories.isEmpty && skus.isEmpty) || item.sku.map(skus.contains) == true || item.category.map(categories.contains) == true
    }
}
