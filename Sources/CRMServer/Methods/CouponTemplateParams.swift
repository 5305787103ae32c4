import CRMDomain
import CRMProtocol

/// `coupon.template.add`'s params as the domain's `CouponTemplate`, every problem named.
enum CouponTemplateParams {
    static func template(_ p: RPC.Coupon.TemplateAdd.Params) throws(RPCError) -> CouponTemplate {
        var t = CouponTemplate(name: p.name.trimmingWhitespace(), discount: try discount(p))
        t.minSpendFen = try p.minSpend.map { text throws(RPCError) in try CouponMethods.fen(text, field: "min_spend", reason: .badCoupon) } ?? 0
        if let s = p.scope {
            t.scope = CouponScope(
                shops: s.shops ?? [], channels: (s.channels ?? []).compactMap(Channel.init(rawValue:)), categories: s.categories ?? [], skus: s.skus ?? [])
        }
        if let days = p.validDays {
            t.validity = .days(days)
        } else if let from = p.validFrom, let until = p.validUntil {
            t.validity = .dates(from: from, until: until)
        }
        t.perMemberLimit = p.perMemberLimit ?? 1
        t.budget = p.budget
        t.stackable = p.stackable ?? false
        t.releaseOnRefund = p.releaseOnRefund ?? true
        t.title = p.title
        t.pointsPrice = p.pointsPrice
        let problems = t.problems()
        guard problems.isEmpty else {
            // Each problem starts with the field it is about.
            let field = problems[0].split(separator: " ").first.map(String.init)
            throw .invalidParams("coupon template \(t.name): " + problems.joined(separator: "; "), field: field, reason: .badCoupon)
        }
        return t
    }

    static func discount(_ p: RPC.Coupon.TemplateAdd.Params) throws(RPCError) -> CouponDiscount {
        if p.kind == "amount" {
            guard let text = p.value.stringValue else {
                throw .invalidParams("value of an amount-off coupon is yuan text such as \"3.00\"", field: "value", reason: .badCoupon)
            }
            return .amount(fen: try CouponMethods.fen(text, field: "value", reason: .badCoupon))
        }
        guard let percent = p.value.int64Value else {
            throw .invalidParams("value of a percent-off coupon is a whole percent such as 10", field: "value", reason: .badCoupon)
        }
        return .percent(percent, capFen: try p.cap.map { text throws(RPCError) in try CouponMethods.fen(text, field: "cap", reason: .badCoupon) })
    }
}
