/// A segment's filter: conditions on members combined with AND / OR / NOT. Parsed and validated
/// from JSON by `SegmentFilterParser`, compiled to parameterised SQL by the storage layer.
public indirect enum SegmentFilter: Sendable, Equatable {
    case and([SegmentFilter])
    case or([SegmentFilter])
    case not(SegmentFilter)
    case condition(SegmentCondition)

    /// Most nesting a filter may have (a condition alone is depth 1).
    public static let maxDepth = 8
    /// Most nodes (combinators and conditions) in one filter.
    public static let maxNodes = 200
    /// Most values in one list of a condition.
    public static let maxListValues = 100
    /// Longest text value (a tag, a keyword, a SKU).
    public static let maxTextLength = 100

    /// Every condition in the filter, depth first.
    public var conditions: [SegmentCondition] {
        switch self {
        case .and(let parts), .or(let parts): return parts.flatMap(\.conditions)
        case .not(let inner): return inner.conditions
        case .condition(let c): return [c]
        }
    }
}

/// An inclusive range of whole numbers (counts, fen, points); either end may be open.
public struct ValueRange: Sendable, Equatable {
    public var min: Int64?
    public var max: Int64?

    public init(min: Int64? = nil, max: Int64? = nil) {
        self.min = min
        self.max = max
    }

    public func contains(_ value: Int64) -> Bool {
        (min.map { value >= $0 } ?? true) && (max.map { value <= $0 } ?? true)
    }
}

/// How a list of tags is matched.
public enum TagMatch: String, Sendable, CaseIterable {
    case any, all, none
}

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

/// One condition on a member. "Purchases" are paid orders not wholly refunded; spend is what was
/// paid less what was refunded. Windows (`withinDays`) end at the evaluation time; nil means ever.
public enum SegmentCondition: Sendable, Equatable {
    /// RFM bands (see `RFMBands`); an empty list accepts any band of that letter.
    case rfm(r: [Int], f: [Int], m: [Int])
    case purchases(ValueRange, withinDays: Int?)
    /// Spend in fen.
    case spend(ValueRange, withinDays: Int?)
    /// Days since the last purchase; members who never bought do not match.
    case lastPurchase(minDays: Int?, maxDays: Int?)
    /// Average order value in fen; members without purchases in the window do not match.
    case averageOrder(ValueRange, withinDays: Int?)
    /// Level codes held.
    case level([String])
    /// Spendable points balance.
    case points(ValueRange)
    /// Points expiring within the next `withinDays` days.
    case expiringPoints(ValueRange, withinDays: Int)
    case tags(TagMatch, [String])
    /// Bought in any of these channels.
    case channels([Channel], withinDays: Int?)
    /// Bought in any of these shops (codes).
    case shops([String], withinDays: Int?)
    /// Bought an item matching.
    case items(ItemMatch, withinDays: Int?)
    /// Region contains any of these.
    case region([String])
    /// Address contains any of these keywords (keyword groups are expanded when parsed).
    case address([String])
    /// First registration (or creation) on or after `from`, before `until` (merchant's dates).
    case registered(from: String?, until: String?)
    case lifecycle([LifecycleStage])
    /// Number of distinct seasons bought in, and seasons that must all be among them.
    case seasons(ValueRange, all: [Season], withinDays: Int?)
}
