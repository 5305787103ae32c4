import CRMDomain
import CRMPostgres

/// The coupon side of one push: the tier rules in force (read once, when the push's first paid
/// orders need them), and the coupon templates the push may issue, locked together in name order
/// the first time it issues one. A push issues in several steps (each segment's orders, referral
/// rewards, orders with coupons on their own); locking every template it may need at once keeps two
/// pushes from taking the same templates in opposite orders.
final class PushCoupons {
    let c: PostgresConnection
    let shopCode: String
    /// The push's paid orders: the tiers they reach name the templates to lock.
    private let orders: [(channel: Channel, amountFen: Int64)]
    private var loaded: [CouponTiers]?
    private var locked = false

    init(c: PostgresConnection, shopCode: String, events: [PushedEvent]) {
        self.c = c
        self.shopCode = shopCode
        orders = events.compactMap { event in
            guard case .valid(let e) = event, case .orderPaid(let order) = e.payload else { return nil }
            return (e.channel, order.amountFen)
        }
    }

    /// The tier rules in force, by name.
    func rules() throws -> [CouponTiers] {
        if let loaded { return loaded }
        let rules = try CouponRuleStore.activeRules(c)
        loaded = rules
        return rules
    }

    /// Locks, once per push and in name order, every template its paid orders' tiers reach and the
    /// referral programme's coupon templates (`CouponBook.lockTemplate` locks the same rows again for free).
    func lockTemplates() throws {
        guard !locked else { return }
        locked = true
        var names = Set<String>()
        for rule in try rules() {
            for order in orders {
                if let t = rule.template(forAmount: order.amountFen, shop: shopCode, channel: order.channel) { names.insert(t) }
            }
        }
        let program = try ReferralBook.program(c)
        names.formUnion([program.referrerCoupon, program.referredCoupon].compactMap { $0 })
        guard !names.isEmpty else { return }
        try c.queryPrepared("SELECT 1 FROM coupon_template WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE", [.textArray(names.sorted())])
    }
}
