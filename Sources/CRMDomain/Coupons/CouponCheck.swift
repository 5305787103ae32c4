/// Whether a coupon can be used on a cart, and what it takes off: the one rule shared by checkout
/// quotes (`member.benefits`), `coupon.redeem` and coupons named in `order.paid`.
public enum CouponCheck {
    /// A coupon as it stands: its status and validity window (UTC seconds).
    public struct Standing: Sendable, Equatable {
        public var status: CouponStatus
        public var validFrom: Int64
        public var expiresAt: Int64

        public init(status: CouponStatus, validFrom: Int64, expiresAt: Int64) {
            self.status = status
            self.validFrom = validFrom
            self.expiresAt = expiresAt
        }
    }

    /// Why a coupon cannot be used (each is an error reason of the same word).
    public enum Refusal: String, Sendable, Equatable, Error {
        case used = "coupon_used"
        case expired = "coupon_expired"
        case voided = "coupon_voided"
        case notYetValid = "coupon_not_yet_valid"
        case belowMinSpend = "below_min_spend"
        case outOfScope = "out_of_scope"

        public var reason: ErrorReason { ErrorReason(rawValue: rawValue) }
    }

    /// The discount in fen the coupon gives `cart` (already at the member price) at `now`, or why not.
    public static func discount(_ template: CouponTemplate, _ standing: Standing, cart: Cart, now: Int64) -> Result<Int64, Refusal> {
        switch standing.status {
        case .redeemed: return .failure(.used)
        case .voided: return .failure(.voided)
        case .expired: return .failure(.expired)
        case .usable: break
        }
        if now >= standing.expiresAt { return .failure(.expired) }
        if now < standing.validFrom { return .failure(.notYetValid) }
        let scope = template.scope
        if !scope.shops.isEmpty && !scope.shops.contains(cart.shop) { return .failure(.outOfScope) }
        if !scope.channels.isEmpty && !(cart.channel.map(scope.channels.contains) ?? false) { return .failure(.outOfScope) }
        let eligible = eligibleFen(scope, cart)
        if scope.limitsItems && eligible == 0 { return .failure(.outOfScope) }
        if eligible < template.minSpendFen { return .failure(.belowMinSpend) }
        return .success(template.discount.off(eligible))
    }

    /// The part of the cart the coupon applies to: all of it, or the items its scope covers (never
    /// more than the cart's amount).
    public static func eligibleFen(_ scope: CouponScope, _ cart: Cart) -> Int64 {
        guard scope.limitsItems else { return cart.amountFen }
        let covered = cart.items.filter(scope.covers).reduce(Int64(0)) { $0 + $1.amountFen }
        return min(covered, cart.amountFen)
    }
}

/// Where a coupon is in its life.
public enum CouponStatus: String, Sendable, CaseIterable {
    case usable
    case redeemed
    case expired
    case voided
}
