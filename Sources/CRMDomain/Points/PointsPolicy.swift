/// The merchant's points settings: how fast points are earned, how long they wait, what a refund
/// takes back, and how they expire. Every value here is a default a merchant changes.
public struct PointsPolicy: Sendable, Equatable {
    /// Points per yuan in hundredths (100 = 1 point per ¥1).
    public var earnRateCenti: Int64 = 100
    /// Days a new lot stays pending (the return window) before it can be spent.
    public var pendingDays: Int64 = 0
    public var refundPolicy: RefundPolicy = .withinBalance
    public var expiry: ExpiryPolicy = .rolling(months: 12, round: .none)
    /// The merchant's local time as a UTC offset, for dates, daily caps and rounding.
    public var offsetMinutes: Int = 8 * 60
    /// Most points one order earns, whatever its amount, rate, level and rules.
    public var maxPointsPerOrder: Int64 = 1_000_000_000
    /// Most points a member holds (their lots' remaining points): earning stops there, credits are
    /// refused. Far below Int64.max, so sums over members stay exact.
    public var maxBalance: Int64 = 1_000_000_000_000

    public static let maxPointsPerOrderRange: ClosedRange<Int64> = 1...1_000_000_000_000
    public static let maxBalanceRange: ClosedRange<Int64> = 1...1_000_000_000_000_000

    public init() {}

    /// What a refund does when its order's points were already spent.
    public enum RefundPolicy: String, Sendable, CaseIterable {
        /// Take back only points still pending; spendable ones stay.
        case pendingOnly = "pending_only"
        /// Take back from the order's lots, then from the rest of the balance; record the shortfall.
        case withinBalance = "within_balance"
        /// As within_balance, and what is still missing becomes a debt that blocks spending.
        case allowNegative = "allow_negative"
    }

    public enum Rounding: String, Sendable, CaseIterable {
        case none
        case monthEnd = "month_end"
        case yearEnd = "year_end"
    }

    public enum ExpiryPolicy: Sendable, Equatable {
        /// Each lot expires `months` after it was earned, optionally at the end of that month or year.
        case rolling(months: Int64, round: Rounding)
        /// Once a year, at the end of (month, day), `sharePercent` of each member's balance expires.
        case yearlyClearing(month: Int64, day: Int64, sharePercent: Int64)
    }

    /// Problems that make these settings unusable, for the operator; empty when fine.
    public func problems() -> [String] {
        var out: [String] = []
        if !(0...100_000).contains(earnRateCenti) { out.append("earn_rate must be between 0 and 1000 points per yuan") }
        if !(0...365).contains(pendingDays) { out.append("pending_days must be between 0 and 365") }
        if abs(offsetMinutes) > 14 * 60 { out.append("timezone must be between -14:00 and +14:00") }
        if !Self.maxPointsPerOrderRange.contains(maxPointsPerOrder) {
            out.append("max_points_per_order must be between 1 and \(Self.maxPointsPerOrderRange.upperBound)")
        }
        if !Self.maxBalanceRange.contains(maxBalance) { out.append("max_balance must be between 1 and \(Self.maxBalanceRange.upperBound)") }
        switch expiry {
        case .rolling(let months, _):
            if !(1...240).contains(months) { out.append("expiry.months must be between 1 and 240") }
        case .yearlyClearing(let month, let day, let share):
            if !(1...12).contains(month) || day < 1 || day > Int64(BirthDate.daysIn(month: Int(month), year: 2001)) {
                out.append("expiry.month and expiry.day must name a day of a non-leap year")
            }
            if !(1...100).contains(share) { out.append("expiry.share_percent must be between 1 and 100") }
        }
        return out
    }

    /// When a lot earned at `earnedAt` (UTC seconds) expires: the first instant it no longer
    /// counts. `nil` under yearly clearing, where lots have no date of their own.
    public func expiresAt(earnedAt: Int64) -> Int64? {
        guard case .rolling(let months, let round) = expiry else { return nil }
        let due = CivilTime.addingMonths(months, to: earnedAt, offsetMinutes: offsetMinutes)
        switch round {
        case .none: return due
        case .monthEnd: return CivilTime.startOfNextMonth(due - 1, offsetMinutes: offsetMinutes)
        case .yearEnd: return CivilTime.startOfNextYear(due - 1, offsetMinutes: offsetMinutes)
        }
    }

    /// When a lot earned at `earnedAt` can be spent.
    public func availableAt(earnedAt: Int64) -> Int64 { earnedAt + pendingDays * 86_400 }

    /// The clearing dates (local) of the yearly policy on or before `asOf`, newest first, at most `limit`.
    public func clearingPeriods(onOrBefore asOf: (year: Int64, month: Int64, day: Int64), limit: Int) -> [String] {
        guard case .yearlyClearing(let month, let day, _) = expiry else { return [] }
        var year = asOf.year
        if (asOf.month, asOf.day) < (month, day) { year -= 1 }
        return (0..<limit).map { i in
            let y = year - Int64(i)
            let d = min(day, Int64(BirthDate.daysIn(month: Int(month), year: Int(y))))
            return CivilTime.pad(y, 4) + "-" + CivilTime.pad(month, 2) + "-" + CivilTime.pad(d, 2)
        }
    }

    /// Points a refund takes back so far: the order's earned points in proportion to what has been
    /// refunded in total, rounded down; a full refund takes back everything.
    public static func reversedPoints(earned: Int64, orderFen: Int64, refundedFen: Int64) -> Int64 {
        precondition(earned >= 0 && refundedFen >= 0 && refundedFen <= orderFen, "refunds never exceed their order")
        guard orderFen > 0 else { return earned }
        if refundedFen == orderFen { return earned }
        return Int64(Int128(earned) * Int128(refundedFen) / Int128(orderFen))
    }

    /// A rate in hundredths as decimal text (`100` → `"1"`, `150` → `"1.5"`, `125` → `"1.25"`).
    public static func rateText(_ centi: Int64) -> String {
        let whole = centi / 100, fraction = centi % 100
        if fraction == 0 { return String(whole) }
        return fraction % 10 == 0 ? "\(whole).\(fraction / 10)" : "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

/// The merchant's loyalty settings that ingest, merges and the points methods apply together.
public struct LoyaltyPolicy: Sendable, Equatable {
    public var points: PointsPolicy
    public var ladder: LevelLadder

    public init(points: PointsPolicy = PointsPolicy(), ladder: LevelLadder = LevelLadder()) {
        self.points = points
        self.ladder = ladder
    }
}
