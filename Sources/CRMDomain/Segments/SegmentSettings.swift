/// The merchant's measures settings (`config.set {"name": "segments"}`): RFM bands and window,
/// lifecycle thresholds, fixed or derived from the merchant's own repurchase intervals, and the
/// contribution pyramid's thresholds.
public struct SegmentSettings: Sendable, Equatable {
    public var rfm = RFMBands()
    public var lifecycle = LifecycleThresholds()
    /// When true, `lifecycle`'s active/silent/sleeping thresholds are derived from repurchase intervals.
    public var lifecycleDerived = false
    public var pyramid = PyramidThresholds()

    public init() {}

    public func problems() -> [String] { rfm.problems() + lifecycle.problems() + pyramid.problems() }
}
