/// What an item of an order must look like: each list given must match the same item (any of its values).
public struct ItemMatch: Sendable, Equatable {
    public var nameContains: [String] = []
    public var skus: [String] = []
    public var categories: [String] = []

    public init(nameContains: [String] = [], skus: [String] = [], categories: [String] = []) {
        self.nameContains = nameContains
        self.skus = skus
        self.categories = categories
    }

    public var isEmpty: Bool { nameContains.isEmpty && skus.isEmpty && categories.isEmpty }

    /// Whether an item with these fields matches.
    public func matches(name: String?, sku: String?, category: String?) -> Bool {
        (nameContains.isEmpty || nameContains.contains { kw in name.map { $0.contains(kw) } ?? false })
            && (skus.isEmpty || sku.map(skus.contains) ?? false)
            && (categories.isEmpty || category.map(categories.contains) ?? false)
    }
}
