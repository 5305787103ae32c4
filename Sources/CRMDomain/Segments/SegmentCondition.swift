/// One condition on a member. "Purchases" are paid orders not wholly refunded; spend is what was
/// paid less what was refunded. Windows (`withinDays`) end at the evaluation time; nil means ever.
/// A `period` (fixed merchant's dates) replaces `withinDays` where given; the parser never sets both.
public enum SegmentCondition: Sendable, Equatable {
    /// RFM bands (see `RFMBands`); an empty list accepts any band of that letter.
    case rfm(r: [Int], f: [Int], m: [Int])
    case purchases(ValueRange, withinDays: Int?, period: DatePeriod? = nil)
    /// Spend in fen.
    case spend(ValueRange, withinDays: Int?, period: DatePeriod? = nil)
    /// Days since the last purchase; members who never bought do not match.
    case lastPurchase(minDays: Int?, maxDays: Int?)
    /// Average order value in fen; members without purchases in the window do not match.
    case averageOrder(ValueRange, withinDays: Int?, period: DatePeriod? = nil)
    /// Level codes held.
    case level([String])
    /// Spendable points balance.
    case points(ValueRange)
    /// Points expiring within the next `withinDays` days (with a period: expiring within it; `withinDays` 0).
    case expiringPoints(ValueRange, withinDays: Int, period: DatePeriod? = nil)
    case tags(TagMatch, [String])
    /// Bought in any of these channels.
    case channels([Channel], withinDays: Int?, period: DatePeriod? = nil)
    /// Bought in any of these shops (codes).
    case shops([String], withinDays: Int?, period: DatePeriod? = nil)
    /// Bought an item matching.
    case items(ItemMatch, withinDays: Int?, period: DatePeriod? = nil)
    /// Region contains any of these.
    case region([String])
    /// Address contains any of these keywords (keyword groups are expanded when parsed).
    case address([String])
    /// First registration (or creation) on or after `from`, before `until` (merchant's dates).
    case registered(from: String?, until: String?)
    case lifecycle([LifecycleStage])
    /// Number of distinct seasons bought in, and seasons that must all be among them.
    case seasons(ValueRange, all: [Season], withinDays: Int?, period: DatePeriod? = nil)
    /// The e-mail address's domain is one of these (lower-case, without `@`).
    case emailDomain([String])
    /// The gender, as `Gender` reads the text channels push.
    case gender([Gender])
    /// Age in whole years on the evaluation date (merchant's); members without a birthday do not match.
    case age(ValueRange)
    /// Born in one of the months, on one of the days, or in the evaluation date's month.
    case birthday(BirthdayMatch)
    /// A pushed profile attribute of one of the member's accounts equals one of the values
    /// (scripts folded, case ignored; an attribute holding a list matches by any element).
    case attribute(name: String, values: [String])
    /// Refunds (returns) in the window: their number and the amount (fen) refunded.
    case returns(count: ValueRange, amount: ValueRange, withinDays: Int?, period: DatePeriod? = nil)
    /// Bought with any of these payment methods (case ignored).
    case paymentMethods([String], withinDays: Int?, period: DatePeriod? = nil)

    /// Whether the condition tests personal data a masked role (the analyst) does not see: the
    /// address (masked after six characters), the birthday's month and day (masked; the age band
    /// does too, moved along `as_of`). A masked role's own filters may not hold these.
    public var testsMaskedData: Bool {
        switch self {
        case .address, .birthday, .age: return true
        default: return false
        }
    }
}
