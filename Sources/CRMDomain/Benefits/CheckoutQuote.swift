/// What a member pays for a cart at checkout (`member.benefits` with a cart): the cart at the
/// level's member price, then the one coupon that takes off the most. Pure: the coupons' terms and
/// standing come from the caller, every coupon is judged by `CouponCheck`, the member price by
/// `Cart.atPrice`.
public struct CheckoutQuote: Sendable, Equatable {
    /// A coupon the member holds, as the quote weighs it.
    public struct Held: Sendable, Equatable {
        public var code: String
        public var template: CouponTemplate
        public var standing: CouponCheck.Standing

        public init(code: String, template: CouponTemplate, standing: CouponCheck.Standing) {
            self.code = code
            self.template = template
            self.standing = standing
        }
    }

    /// A coupon that applies to the cart, and what it takes off.
    public struct Offer: Sendable, Equatable {
        public var code: String
        public var template: String
        public var discountFen: Int64
        public var expiresAt: Int64
    }

    /// The cart's amount at list price and at the member price (fen).
    public var listFen: Int64
    public var memberPriceFen: Int64
    /// Coupons that apply, best first: the largest discount; ties, the one expiring first, then by code.
    public var offers: [Offer]
    /// Why each other coupon does not apply, by code.
    public var refusals: [String: CouponCheck.Refusal]
    /// Whether the level ships this cart free (`free_shipping` with its minimum reached at the member price).
    public var freeShipping: Bool

    /// The coupon to use: the first offer.
    public var best: Offer? { offers.first }

    /// What the member pays: the member price less the best coupon.
    public var priceFen: Int64 { memberPriceFen - (best?.discountFen ?? 0) }

    /// Quotes `cart` (list prices) for a member whose level has `pricePercent` and `benefits`,
    /// holding `coupons`, at `now` (UTC seconds).
    public init(cart: Cart, pricePercent: Int64, benefits: [LevelBenefit], coupons: [Held], now: Int64) {
        let priced = cart.atPrice(percent: pricePercent)
        listFen = cart.amountFen
        memberPriceFen = priced.amountFen
        var offers: [Offer] = []
        var refusals: [String: CouponCheck.Refusal] = [:]
        for held in coupons {
            switch CouponCheck.discount(held.template, held.standing, cart: priced, now: now) {
            case .success(let off) where off > 0:
                offers.append(Offer(code: held.code, template: held.template.name, discountFen: off, expiresAt: held.standing.expiresAt))
            case .success:
                break  // nothing to take off (an empty cart): no offer worth making, nor a refusal
            case .failure(let refusal):
                refusals[held.code] = refusal
            }
        }
        self.offers = offers.sorted { a, b in
            (b.discountFen, a.expiresAt, a.code) < (a.discountFen, b.expiresAt, b.code)
        }
        self.refusals = refusals
        freeShipping = benefits.contains { $0.code == LevelBenefit.Known.freeShipping.rawValue && priced.amountFen >= ($0.minSpendFen ?? 0) }
    }
}
