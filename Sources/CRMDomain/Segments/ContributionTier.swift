/// The tiers of the contribution pyramid (貢獻值金字塔), highest first; `other` holds everyone in
/// no tier (no purchase in the window, or outside every tier's thresholds).
public enum ContributionTier: String, Sendable, CaseIterable {
    case top, second, third, bottom, other
}

/// The thresholds of the contribution pyramid over the RFM window, part of the `segments`
/// setting. A member is in the first tier, from the top, whose purchase count and average order
/// both fit. Defaults are the playbook's: `top` 3+ purchases averaging over ¥300; `second` 2
/// purchases averaging ¥200–300; `third` 1 purchase of ¥100–200; `bottom` 1 purchase under ¥100.
///
/// `rule` is the pyramid as data; reports run it in SQL made from it (`ReportStore.pyramid`).
public struct PyramidThresholds: Sendable, Equatable {
    /// One tier: a purchase count range and bounds on the average order (fen), each optional.
    /// Averages are compared exactly, as spend against count × bound, never through division.
    public struct Tier: Sendable, Equatable {
        public var minPurchases: Int
        /// nil: no upper limit.
        public var maxPurchases: Int?
        /// Average order at least this (`average_from`).
        public var averageFromFen: Int64?
        /// Average order more than this (`average_above`).
        public var averageAboveFen: Int64?
        /// Average order at most this (`average_to`).
        public var averageToFen: Int64?
        /// Average order less than this (`average_below`).
        public var averageBelowFen: Int64?

        public init(
            minPurchases: Int, maxPurchases: Int? = nil, averageFromFen: Int64? = nil, averageAboveFen: Int64? = nil,
            averageToFen: Int64? = nil, averageBelowFen: Int64? = nil
        ) {
            self.minPurchases = minPurchases
            self.maxPurchases = maxPurchases
            self.averageFromFen = averageFromFen
            self.averageAboveFen = averageAboveFen
            self.averageToFen = averageToFen
            self.averageBelowFen = averageBelowFen
        }

        /// The tier's test: every bound given, on the window's purchases and average order.
        public var test: MeasureTest {
            var parts: [MeasureTest] = [.compare(.purchasesInWindow, .atLeast, Int64(minPurchases))]
            if let m = maxPurchases { parts.append(.compare(.purchasesInWindow, .atMost, Int64(m))) }
            if let b = averageFromFen { parts.append(.average(.atLeast, b)) }
            if let b = averageAboveFen { parts.append(.average(.above, b)) }
            if let b = averageToFen { parts.append(.average(.atMost, b)) }
            if let b = averageBelowFen { parts.append(.average(.below, b)) }
            return .all(parts)
        }

        /// What is wrong with this tier, if anything, naming it `name`.
        func problems(_ name: String) -> [String] {
            var out: [String] = []
            let maxCount = PyramidThresholds.maxPurchases, maxFen = PyramidThresholds.maxAverageFen
            if !(1...maxCount).contains(minPurchases) { out.append("\(name).min_purchases must be 1 to \(maxCount)") }
            if let m = maxPurchases, !(minPurchases...maxCount).contains(m) { out.append("\(name).max_purchases must be min_purchases to \(maxCount)") }
            if averageFromFen != nil && averageAboveFen != nil { out.append("\(name): give average_from or average_above, not both") }
            if averageToFen != nil && averageBelowFen != nil { out.append("\(name): give average_to or average_below, not both") }
            for bound in [averageFromFen, averageAboveFen, averageToFen, averageBelowFen].compactMap({ $0 }) where !(0...maxFen).contains(bound) {
                out.append("\(name): averages must be 0 to \(Money.format(fen: maxFen)) yuan")
            }
            if let low = averageFromFen ?? averageAboveFen, let high = averageToFen ?? averageBelowFen,
                low > high || (low == high && (averageAboveFen != nil || averageBelowFen != nil))
            {
                out.append("\(name): the lower average bound must be below the upper one")
            }
            return out
        }
    }

    /// Limits on what a setting may hold, so count × bound stays far inside a bigint.
    public static let maxPurchases = 100_000
    public static let maxAverageFen: Int64 = 100_000_000

    public var top = Tier(minPurchases: 3, averageAboveFen: 30_000)
    public var second = Tier(minPurchases: 2, maxPurchases: 2, averageFromFen: 20_000, averageToFen: 30_000)
    public var third = Tier(minPurchases: 1, maxPurchases: 1, averageFromFen: 10_000, averageToFen: 20_000)
    public var bottom = Tier(minPurchases: 1, maxPurchases: 1, averageBelowFen: 10_000)

    public init() {}

    /// The tiers with thresholds, in the order they are tried (every case but `other`).
    public static let ranked: [ContributionTier] = [.top, .second, .third, .bottom]

    /// The pyramid as a rule: the first tier from the top whose test holds, else `other`.
    public var rule: Placement<ContributionTier> {
        Placement(Self.ranked.map { (self[$0]!.test, $0) }, otherwise: .other)
    }

    public subscript(tier: ContributionTier) -> Tier? {
        get {
            switch tier {
            case .top: top
            case .second: second
            case .third: third
            case .bottom: bottom
            case .other: nil
            }
        }
        set {
            guard let newValue else { preconditionFailure("every ranked tier has thresholds") }
            switch tier {
            case .top: top = newValue
            case .second: second = newValue
            case .third: third = newValue
            case .bottom: bottom = newValue
            case .other: preconditionFailure("`other` has no thresholds")
            }
        }
    }

    public func problems() -> [String] { Self.ranked.flatMap { self[$0]!.problems("pyramid.\($0.rawValue)") } }
}
