/// The terms of a coupon (優惠券模板): what it takes off, from what spend, where, for how long, how
/// many each member may hold and how many may ever be issued. Versioned by name like points rules:
/// a coupon keeps the version it was issued under.
public struct CouponTemplate: Sendable, Equatable {
    public var name: String
    /// 0 until stored.
    public var version: Int64 = 0
    public var discount: CouponDiscount
    /// Spend (after the member price, on what the scope covers) the cart must reach, in fen.
    public var minSpendFen: Int64 = 0
    public var scope = CouponScope()
    public var validity: CouponValidity = .days(30)
    /// Coupons of this template a member may have been issued in all (usable or not).
    public var perMemberLimit: Int64 = 1
    /// Most coupons ever issued under this name; nil: no limit.
    public var budget: Int64?
    /// Whether it may be used on one order together with other stackable coupons.
    public var stackable = false
    /// Whether a refund of the whole order gives the coupon back (if still valid).
    public var releaseOnRefund = true
    /// What the member sees (e.g. "滿100減3").
    public var title: String?
    /// Points a member spends to get one (積分兌換現金券); nil: not for sale.
    public var pointsPrice: Int64?

    public static let maxPerMemberLimit: Int64 = 1_000
    public static let maxBudget: Int64 = 1_000_000_000
    public static let maxValidDays: Int64 = 3_650

    public init(name: String, discount: CouponDiscount) {
        self.name = name
        self.discount = discount
    }

    /// Face value in fen: what an amount-off coupon takes off at most; nil for percent-off.
    public var faceFen: Int64? {
        if case .amount(let fen) = discount { return fen }
        return nil
    }

    /// Problems that make the template unusable; empty when fine.
    public func problems() -> [String] {
        var out: [String] = []
        if name.isEmpty || name.count > 100 { out.append("name must be 1-100 characters") }
        out += discount.problems()
        if !(0...Money.maxFen).contains(minSpendFen) { out.append("min_spend must be between 0 and \(Money.format(fen: Money.maxFen))") }
        if !(1...Self.maxPerMemberLimit).contains(perMemberLimit) { out.append("per_member_limit must be between 1 and \(Self.maxPerMemberLimit)") }
        if let b = budget, !(1...Self.maxBudget).contains(b) { out.append("budget must be between 1 and \(Self.maxBudget)") }
        out += validity.problems()
        out += scope.problems()
        if let t = title, t.count > 100 { out.append("title is longer than 100 characters") }
        if let p = pointsPrice, !(1...1_000_000_000).contains(p) { out.append("points_price must be between 1 and 1000000000") }
        return out
    }
}

/// What a coupon takes off: a fixed amount, or a percentage with an optional cap.
public enum CouponDiscount: Sendable, Equatable {
    /// Fen off (滿100減3: 300).
    case amount(fen: Int64)
    /// Percent off (10 = 10 % off), at most `capFen` when given.
    case percent(Int64, capFen: Int64?)

    func problems() -> [String] {
        switch self {
        case .amount(let fen):
            return (1...Money.maxFen).contains(fen) ? [] : ["value must be an amount above 0"]
        case .percent(let p, let cap):
            var out: [String] = []
            if !(1...99).contains(p) { out.append("value must be a percent off between 1 and 99") }
            if let cap, !(1...Money.maxFen).contains(cap) { out.append("cap must be an amount above 0") }
            return out
        }
    }

    /// What it takes off `eligibleFen` (never more than that).
    public func off(_ eligibleFen: Int64) -> Int64 {
        precondition(eligibleFen >= 0, "an eligible amount is never negative")
        switch self {
        case .amount(let fen):
            return min(fen, eligibleFen)
        case .percent(let p, let cap):
            // Rounded down to the fen: a coupon never takes off more than it says.
            let off = eligibleFen / 100 * p + eligibleFen % 100 * p / 100
            return min(off, cap ?? off)
        }
    }
}

/// When a coupon may be used: a number of days from issue, or fixed dates.
public enum CouponValidity: Sendable, Equatable {
    /// Valid from issue until the end of the merchant's day `days - 1` days later (1 = the day of issue).
    case days(Int64)
    /// Valid from the start of `from` to the end of `until` (dates YYYY-MM-DD, merchant's time).
    case dates(from: String, until: String)

    func problems() -> [String] {
        switch self {
        case .days(let d):
            return (1...CouponTemplate.maxValidDays).contains(d) ? [] : ["valid_days must be between 1 and \(CouponTemplate.maxValidDays)"]
        case .dates(let from, let until):
            guard let f = CivilTime.date(from), let u = CivilTime.date(until) else { return ["valid_from and valid_until must be dates YYYY-MM-DD"] }
            return (f.year, f.month, f.day) <= (u.year, u.month, u.day) ? [] : ["valid_until must not be before valid_from"]
        }
    }

    /// The window (UTC seconds, from inclusive, until exclusive) of a coupon issued at `issuedAt`.
    public func window(issuedAt: Int64, offsetMinutes: Int) -> (from: Int64, until: Int64) {
        switch self {
        case .days(let d):
            let today = CivilTime.localDate(issuedAt, offsetMinutes: offsetMinutes)
            let lastDayEnd = CivilTime.endOfDay(today, offsetMinutes: offsetMinutes) + (d - 1) * 86_400
            return (issuedAt, lastDayEnd)
        case .dates(let from, let until):
            let f = CivilTime.date(from)!, u = CivilTime.date(until)!
            return (CivilTime.endOfDay(f, offsetMinutes: offsetMinutes) - 86_400, CivilTime.endOfDay(u, offsetMinutes: offsetMinutes))
        }
    }
}
