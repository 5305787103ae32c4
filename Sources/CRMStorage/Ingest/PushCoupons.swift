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
    /// Templates the ladder gives on a level rise (`level_gift`): a push's orders may issue them too.
    let levelGifts: [String]
    private var loaded: [CouponTiers]?
    private var locked = false

    init(c: PostgresConnection, shopCode: String, events: [PushedEvent], ladder: LevelLadder) {
        self.c = c
        self.shopCode = shopCode
        levelGifts = ladder.levels.compactMap { level -> String? in
            guard case .coupon(let template)? = level.benefit(.levelGift)?.gift else { return nil }
            return template
        }
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

    /// Locks, once per push and in name order, every template its paid orders' tiers reach, the
    /// ladder's level gifts and the referral programme's coupon templates (`CouponBook.lockTemplate`
    /// locks the same rows again for free). `FOR NO KEY UPDATE`, as CouponBook: rows that refer to a
    /// template (key-share locks) do not wait for it.
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
        names.formUnion(levelGifts)
        guard !names.isEmpty else { return }
        try c.queryPrepared("SELECT 1 FROM coupon_template WHERE name = ANY($1::text[]) ORDER BY name FOR NO KEY UPDATE", [.textArray(names.sorted())])
    }
}
