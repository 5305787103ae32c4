/// A test on a member's measures, written as data so that it is defined once: `Placement`
/// evaluates it here, and storage renders the same value into the SQL that reports and segments
/// run (`SegmentCompiler.render`). A comparison with a missing value (the days measures of a
/// member who never bought) is false, as a comparison with NULL is in SQL.
public indirect enum MeasureTest: Sendable, Equatable {
    /// The member never bought (no first or last purchase).
    case neverBought
    /// `measure op bound`; days measures compare as elapsed days, the others exactly.
    case compare(MemberMeasures.Name, Comparison, Int64)
    /// The average order in the window against `bound` fen, compared exactly as spend against
    /// purchases × bound (never through division). Meant with a test that there are purchases.
    case average(Comparison, Int64)
    /// Every part holds.
    case all([MeasureTest])

    /// How a measure is compared with a bound.
    public enum Comparison: Sendable, Equatable, CaseIterable {
        case atMost, below, atLeast, above, equal

        public func holds<T: Comparable>(_ value: T, _ bound: T) -> Bool {
            switch self {
            case .atMost: value <= bound
            case .below: value < bound
            case .atLeast: value >= bound
            case .above: value > bound
            case .equal: value == bound
            }
        }
    }

    /// Whether `m` passes this test.
    public func holds(_ m: MemberMeasures) -> Bool {
        switch self {
        case .neverBought:
            return m.daysSinceLast == nil
        case .compare(let name, let op, let bound):
            if let value = m.integer(name) { return op.holds(value, bound) }
            guard let days = m.days(name) else { return false }
            return op.holds(days, Double(bound))
        case .average(let op, let bound):
            return op.holds(Int128(m.spendInWindowFen), Int128(bound) * Int128(m.purchasesInWindow))
        case .all(let parts):
            return parts.allSatisfy { $0.holds(m) }
        }
    }
}

/// A rule that places a member in the first arm, in order, whose test its measures pass, else in
/// `otherwise`: the shape of every segment rule (RFM bands, pyramid tiers, purchase groups,
/// lifecycle stages). Storage makes it one SQL `CASE` with the arms in the same order.
public struct Placement<Result: Sendable>: Sendable {
    public var arms: [(test: MeasureTest, result: Result)]
    public var otherwise: Result

    public init(_ arms: [(test: MeasureTest, result: Result)], otherwise: Result) {
        self.arms = arms
        self.otherwise = otherwise
    }

    /// Where `m` is placed.
    public func place(_ m: MemberMeasures) -> Result {
        arms.first { $0.test.holds(m) }?.result ?? otherwise
    }
}
