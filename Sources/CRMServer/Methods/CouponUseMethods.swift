import CRMDomain
import CRMProtocol
import CRMStorage

/// Coupons in use: `coupon.redeem` (a till, agents for their own shop), `coupon.void`,
/// `coupon.expire` (the daily job) and `coupon.stats` (核銷率).
enum CouponUseMethods {
    typealias Coupon = RPC.Coupon

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Coupon.Redeem.self, access: .checkout, scope: .shop("shop")) { p, call in
                try await redeem(p, call, context)
            },
            MethodSpec(Coupon.VoidCoupon.self, access: .write, scope: .memberFound) { p, call in
                let code = try CouponMethods.code(p.code)
                if let identity = call.session?.identity, identity.isShopScoped {
                    let holder = try await context.coupons.coupon(code: code).coupon.member
                    try await ShopScopeGate.require(members: [holder], identity: identity, context: context)
                }
                try await context.coupons.void(code: code, reason: p.reason, actor: call.actor)
                context.logger.notice("coupon voided", metadata: ["request": "\(call.requestID)", "code": "\(code)"])
                return Coupon.VoidCoupon.Result(code: code, status: CouponStatus.voided.rawValue)
            },
            MethodSpec(Coupon.Expire.self, access: .write, scope: .merchantWide) { p, call in
                let offset = try await context.loyaltyPolicy().points.offsetMinutes
                let today = try await context.points.today(offsetMinutes: offset)
                let asOf = p.asOf ?? today
                guard asOf <= today else {
                    throw RPCError.invalidParams("as_of \(asOf) is after today (\(today))", field: "as_of", reason: .asOfInFuture)
                }
                let r = try await context.coupons.expire(asOf: asOf, offsetMinutes: offset, limit: p.limit ?? 1_000, actor: call.actor)
                if r.expired > 0 {
                    context.logger.info("coupons expired", metadata: ["request": "\(call.requestID)", "as_of": "\(asOf)", "expired": "\(r.expired)"])
                }
                return Coupon.Expire.Result(asOf: asOf, expired: r.expired, done: r.done)
            },
            MethodSpec(Coupon.Stats.self, access: .read, scope: .merchantWide) { p, call in
                let f = try await context.coupons.figures(template: p.template?.trimmingWhitespace())
                return Coupon.Stats.Result(
                    templates: f.templates.map { t in
                        Coupon.Stats.TemplateFigures(
                            template: t.template, issued: t.issued, redeemed: t.redeemed, expired: t.expired, voided: t.voided, usable: t.usable,
                            redemptionRate: t.redemptionRate, faceValueRedeemed: Money.format(fen: t.faceValueRedeemedFen),
                            discount: Money.format(fen: t.discountFen))
                    },
                    shops: f.shops.map { s in
                        Coupon.Stats.ShopFigures(
                            template: s.template, shop: s.shop, redeemed: s.redeemed, faceValueRedeemed: Money.format(fen: s.faceValueRedeemedFen),
                            discount: Money.format(fen: s.discountFen))
                    })
            },
        ]
    }

    static func redeem(_ p: Coupon.Redeem.Params, _ call: CallContext, _ context: ServerContext) async throws -> Coupon.Redeem.Result {
        if let session = call.session, session.identity.role == .agent, session.identity.shop != p.shop {
            throw RPCError.forbidden("this agent token redeems coupons for shop \(session.identity.shop ?? "-") only", reason: .wrongShop)
        }
        let items = try (p.items ?? []).enumerated().map { i, item throws(RPCError) in
            Cart.Item(sku: item.sku, category: item.category, amountFen: try CouponMethods.fen(item.amount, field: "items[\(i)].amount", reason: .badCart))
        }
        let request = CouponRedeemRequest(
            code: try CouponMethods.code(p.code), shop: p.shop, amountFen: try CouponMethods.fen(p.amount, field: "amount", reason: .badCart),
            channel: p.channel.flatMap(Channel.init(rawValue:)), items: items, orderNo: p.orderNo, member: p.memberID?.value, key: p.idempotencyKey)
        let r = try await context.coupons.redeem(request, actor: call.actor)
        context.logger.info(
            "coupon redeemed",
            metadata: [
                "request": "\(call.requestID)", "code": "\(r.code)", "shop": "\(r.shop)", "discount_fen": "\(r.discountFen)", "replayed": "\(r.replayed)",
            ])
        return Coupon.Redeem.Result(
            code: r.code, status: CouponStatus.redeemed.rawValue, discount: Money.format(fen: r.discountFen), template: r.template,
            memberID: MemberID(r.member), shop: r.shop, orderNo: r.orderNo, replayed: r.replayed)
    }
}
