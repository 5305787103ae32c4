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
