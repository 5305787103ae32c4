/// The merchant's measures settings (`config.set {"name": "segments"}`): RFM bands and window,
/// and lifecycle thresholds, fixed or derived from the merchant's own repurchase intervals.
public struct SegmentSettings: Sendable, Equatable {
    public var rfm = RFMBands()
    public var lifecycle = LifecycleThresholds()
    /// When true, `lifecycle`'s active/silent/sleeping thresholds are derived from repurchase intervals.
    public var lifecycleDerived = false

    public init() {}

    public func problems() -> [String] { rfm.problems() + lifecycle.problems() }
}

/// How profile attributes pushed by channels become tags (`config.set {"name": "tags"}`): an
/// attribute with a given value (or any value) gives a tag; attributes named in `listAttributes`
/// (default `tags`) hold tag names themselves (a list, or text separated by commas).
public struct AttributeTagSettings: Sendable, Equatable {
    /// One mapping: attribute (with `value`, or any non-empty value) → tag.
    public struct Mapping: Sendable, Equatable {
        public var attribute: String
        public var value: String?
        public var tag: String
        public init(attribute: String, value: String?, tag: String) { (self.attribute, self.value, self.tag) = (attribute, value, tag) }
    }

    public var mappings: [Mapping] = []
    public var listAttributes: [String] = ["tags"]
    public static let maxMappings = 500

    public init() {}
}
