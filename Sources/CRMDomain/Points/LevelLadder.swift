/// The merchant's member levels (會員等級): rungs from the entry level up, each qualifying at a
/// spend (and optionally a number of orders), cumulative or over a rolling window, with a member
/// price and a points multiplier. A member rises as soon as they qualify and drops only after
/// `graceDays` of no longer qualifying.
public struct LevelLadder: Sendable, Equatable {
    public var basis: Basis = .cumulative
    /// Months of the rolling window (basis `rolling`).
    public var windowMonths: Int64 = 12
    public var graceDays: Int64 = 30
    public var levels: [Level] = LevelLadder.defaultLevels

    public enum Basis: String, Sendable, CaseIterable {
        case cumulative
        case rolling
    }

    /// One rung.
    public struct Level: Sendable, Equatable {
        public var code: String
        public var name: String
        public var minSpendFen: Int64
        public var minOrders: Int64
        /// Member price as a percentage of the list price (95 = 5 % off).
        public var pricePercent: Int64
        /// Points multiplier (100 = ×1).
        public var pointsMultiplierPercent: Int64
        /// What else the level gives (free shipping, a birthday gift…), in the merchant's order.
        public var benefits: [LevelBenefit]

        public init(
            code: String, name: String, minSpendFen: Int64, minOrders: Int64 = 0, pricePercent: Int64, pointsMultiplierPercent: Int64,
            benefits: [LevelBenefit] = []
        ) {
            self.code = code
            self.name = name
            self.minSpendFen = minSpendFen
            self.minOrders = minOrders
            self.pricePercent = pricePercent
            self.pointsMultiplierPercent = pointsMultiplierPercent
            self.benefits = benefits
        }

        /// The benefit of `code`, if the level has it.
        public func benefit(_ code: LevelBenefit.Known) -> LevelBenefit? { benefits.first { $0.code == code.rawValue } }
    }

    /// The brief's ladder: 普通 / 高級 ≥ ¥2,000 / VIP ≥ ¥5,000 / 至尊VIP ≥ ¥20,000 cumulative, with
    /// the default benefits of each rung (`LevelBenefit.defaults`).
    public static let defaultLevels: [Level] = [
        Level(code: "regular", name: "普通會員", minSpendFen: 0, pricePercent: 95, pointsMultiplierPercent: 100, benefits: LevelBenefit.defaults[0]),
        Level(code: "senior", name: "高級會員", minSpendFen: 200_000, pricePercent: 92, pointsMultiplierPercent: 120, benefits: LevelBenefit.defaults[1]),
        Level(code: "vip", name: "VIP會員", minSpendFen: 500_000, pricePercent: 90, pointsMultiplierPercent: 150, benefits: LevelBenefit.defaults[2]),
        Level(code: "supreme", name: "至尊VIP", minSpendFen: 2_000_000, pricePercent: 88, pointsMultiplierPercent: 200, benefits: LevelBenefit.defaults[3]),
    ]

    public init() {}

    public static let maxLevels = 20

    /// Problems that make the ladder unusable; empty when fine.
    public func problems() -> [String] {
        var out: [String] = []
        if levels.isEmpty || levels.count > Self.maxLevels { out.append("levels must have 1 to \(Self.maxLevels) rungs") }
        if let first = levels.first, first.minSpendFen != 0 || first.minOrders != 0 {
            out.append("the first level must need nothing (min_spend 0, min_orders 0)")
        }
        for (a, b) in zip(levels, levels.dropFirst())
        where
            !(b.minSpendFen >= a.minSpendFen && b.minOrders >= a.minOrders
            && (b.minSpendFen > a.minSpendFen || b.minOrders > a.minOrders))
        {
            out.append("level \(b.code) must need more than \(a.code)")
        }
        if Set(levels.map(\.code)).count != levels.count { out.append("level codes must be unique") }
        for l in levels {
            if l.code.isEmpty || l.code.count > 32 || !l.code.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) {
                out.append("level code \(l.code) must be 1-32 of a-z, 0-9, _")
            }
            if l.name.isEmpty || l.name.count > 50 { out.append("level \(l.code) needs a name of 1-50 characters") }
            if !(1...100).contains(l.pricePercent) { out.append("level \(l.code): price_percent must be between 1 and 100") }
            if !(0...10_000).contains(l.pointsMultiplierPercent) { out.append("level \(l.code): points_multiplier_percent must be between 0 and 10000") }
            if l.minSpendFen < 0 || l.minOrders < 0 { out.append("level \(l.code): minimums are never negative") }
            if l.benefits.count > LevelBenefit.maxPerLevel { out.append("level \(l.code) has more than \(LevelBenefit.maxPerLevel) benefits") }
            if Set(l.benefits.map(\.code)).count != l.benefits.count { out.append("level \(l.code): benefit codes must be unique") }
            out += l.benefits.flatMap { $0.problems().map { "level \(l.code): \($0)" } }
        }
        if !(1...120).contains(windowMonths) { out.append("window_months must be between 1 and 120") }
        if !(0...3650).contains(graceDays) { out.append("grace_days must be between 0 and 3650") }
        return out
    }

    /// The rank (index in `levels`) of a code; an unknown code (a rung since removed) is the entry level.
    public func rank(of code: String?) -> Int {
        guard let code else { return 0 }
        return levels.firstIndex { $0.code == code } ?? 0
    }

    /// The highest rung that `spendFen` and `orders` qualify for.
    public func qualifyingRank(spendFen: Int64, orders: Int64) -> Int {
        levels.lastIndex { spendFen >= $0.minSpendFen && orders >= $0.minOrders } ?? 0
    }

    /// What a periodic evaluation does to a member.
    public enum Decision: Sendable, Equatable {
        /// Qualifies for this rank or more: stays (or rises), any pending drop is cleared.
        case keep(rank: Int)
        /// No longer qualifies; the grace period starts now.
        case startGrace
        /// Still below, grace not over.
        case waitGrace
        /// Below for the whole grace period: drops to this rank.
        case drop(rank: Int)
    }

    /// Re-evaluation of a member at `currentRank` who qualifies for `qualifyingRank`; `floorRank` is
    /// a level an operator set, below which nothing lowers them; `belowSinceDays` is how many days ago
    /// an earlier evaluation found them below (nil: it did not).
    public func evaluate(currentRank: Int, qualifyingRank: Int, floorRank: Int, belowSinceDays: Int64?) -> Decision {
        let target = max(qualifyingRank, floorRank)
        if target >= currentRank { return .keep(rank: target) }
        guard let days = belowSinceDays else { return graceDays == 0 ? .drop(rank: target) : .startGrace }
        return days >= graceDays ? .drop(rank: target) : .waitGrace
    }
}
