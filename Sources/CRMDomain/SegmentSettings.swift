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
