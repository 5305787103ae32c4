/// Points an order earns, and why: the base (amount × rate × level multiplier, rounded down) plus
/// each matching rule's extra points, capped per order and per member per day, and in all by the
/// merchant's limit of points per order. Pure: the caller passes what each rule already gave the
/// member that day. Computed in Int128, so no number of rules or amount overflows.
public struct Accrual: Sendable, Equatable {
    public var rateCenti: Int64
    public var levelCode: String
    public var levelMultiplierPercent: Int64
    public var base: Int64
    public var bonuses: [Bonus]
    /// What the order earns: base plus bonuses, at most the limit of points per order.
    public var total: Int64
    /// The limit of points per order when it cut the total (base plus bonuses came to more).
    public var limitedTo: Int64?

    /// One rule's part of an accrual.
    public struct Bonus: Sendable, Equatable {
        public var ruleID: Int64
        public var name: String
        public var version: Int64
        public var points: Int64
    }

    /// Points of `fen` at `rateCenti` per yuan and `percent` (of 100), rounded down.
    static func points(fen: Int64, rateCenti: Int64, percent: Int64) -> Int128 {
        Int128(fen) * Int128(rateCenti) * Int128(percent) / 1_000_000
    }

    /// The accrual of `order` for a member at a level with `levelMultiplierPercent`, at most
    /// `maxPoints` (each part too, so every figure in the explanation fits an Int64).
    /// `usedToday[rule name]` is what that rule already gave the member on the order's local day.
    public static func compute(
        order: AccrualOrder, rateCenti: Int64, levelCode: String, levelMultiplierPercent: Int64,
        rules: [AccrualRule], usedToday: [String: Int64], maxPoints: Int64
    ) -> Accrual {
        precondition(rateCenti >= 0 && levelMultiplierPercent >= 0 && maxPoints > 0, "rates are never negative; the limit is positive")
        let limit = Int128(maxPoints)
        let base = min(points(fen: order.amountFen, rateCenti: rateCenti, percent: levelMultiplierPercent), limit)
        var bonuses: [Bonus] = []
        // Items may not add up to the order (discounts, shipping): a rule on items counts their
        // share of what was paid, never more than the order.
        let itemsFen = order.items.reduce(Int128(0)) { $0 + Int128(max(0, $1.amountFen)) }
        for rule in rules.sorted(by: { $0.id < $1.id }) where rule.matchesOrder(order) {
            var eligibleFen = Int128(order.amountFen)
            if rule.matchesItems {
                let matched = order.items.filter(rule.matchesItem).reduce(Int128(0)) { $0 + Int128(max(0, $1.amountFen)) }
                guard matched > 0 else { continue }
                eligibleFen = itemsFen <= Int128(order.amountFen) ? matched : matched * Int128(order.amountFen) / itemsFen
            }
            var extra: Int128
            if let m = rule.multiplierPercent {
                extra = eligibleFen * Int128(rateCenti) * Int128(levelMultiplierPercent) * Int128(m - 100) / 100_000_000
            } else {
                extra = Int128(rule.bonus!)
            }
            if let cap = rule.capPerOrder { extra = min(extra, Int128(cap)) }
            if let cap = rule.capPerMemberPerDay { extra = min(extra, max(0, Int128(cap) - Int128(usedToday[rule.name] ?? 0))) }
            guard extra > 0 else { continue }
            bonuses.append(Bonus(ruleID: rule.id, name: rule.name, version: rule.version, points: Int64(min(extra, limit))))
        }
        // At most 1,000 rules of at most the limit each, plus the base: far inside Int128.
        let sum = bonuses.reduce(base) { $0 + Int128($1.points) }
        let accrual = Accrual(
            rateCenti: rateCenti, levelCode: levelCode, levelMultiplierPercent: levelMultiplierPercent,
            base: Int64(base), bonuses: bonuses, total: Int64(min(sum, limit)), limitedTo: sum > limit ? maxPoints : nil)
        precondition(accrual.total >= 0 && accrual.total <= maxPoints, "an accrual is never negative nor over the limit")
        return accrual
    }
}
