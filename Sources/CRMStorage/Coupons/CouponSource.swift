/// Why a coupon was issued (`coupon.source`). Gifts for a cause (a year's birthday, an order's tier,
/// a level reached, a referral, a points exchange) are given at most once per cause.
public enum CouponSource: String, Sendable, CaseIterable {
    case `operator`
    case segment
    case order
    case birthday
    case level
    case referral
    case points
    case campaign

    /// Whether a second grant for the same cause (`source_ref`) is refused.
    var oncePerCause: Bool {
        switch self {
        case .birthday, .order, .level, .referral, .points: true
        case .operator, .segment, .campaign: false
        }
    }
}
