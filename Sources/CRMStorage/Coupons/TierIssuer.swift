import CRMDomain
import CRMPostgres

/// 滿額送券: every new paid order gets, from each tier rule in force, the template of the highest
/// tier its amount reaches, issued to the order's member (source `order`, the order's id as the
/// cause, so an order never gets a template twice) inside the push's transaction. A template
/// refused by its budget, the member's limit or because it is disabled issues nothing, and the
/// order applies all the same.
struct TierIssuer {
    let c: PostgresConnection
    let offsetMinutes: Int

    /// Issues for `orders` (members are live, as read under the identity lock).
    func issue(_ orders: [PointsLedger.PaidOrderRow], push: PushCoupons) throws {
        guard !orders.isEmpty else { return }
        let rules = try push.rules()
        guard !rules.isEmpty else { return }
        var wanted: [String: [CouponBook.Grant]] = [:]
        var seen = Set<String>()
        for order in orders {
            for rule in rules {
                guard let template = rule.template(forAmount: order.amountFen, shop: order.shop, channel: order.channel),
                    seen.insert(template + " " + String(order.orderID)).inserted
                else { continue }
                wanted[template, default: []].append(CouponBook.Grant(member: order.member, sourceRef: String(order.orderID)))
            }
        }
        guard !wanted.isEmpty else { return }
        try push.lockTemplates()
        let book = CouponBook(c: c, offsetMinutes: offsetMinutes)
        for template in wanted.keys.sorted() {
            // The coupon is the order's receipt, not marketing.
            for round in Self.rounds(wanted[template]!) {
                _ = try book.issue(template, round, source: .order, actor: "sync", notice: .couponIssued, marketing: false)
            }
        }
    }

    /// The grants split into rounds in which each member comes once (`CouponBook.issue` asks it), in order.
    static func rounds(_ grants: [CouponBook.Grant]) -> [[CouponBook.Grant]] {
        var rounds: [[CouponBook.Grant]] = []
        var members: [Set<Int64>] = []
        for g in grants {
            if let i = members.firstIndex(where: { !$0.contains(g.member) }) {
                rounds[i].append(g)
                members[i].insert(g.member)
            } else {
                rounds.append([g])
                members.append([g.member])
            }
        }
        return rounds
    }
}
