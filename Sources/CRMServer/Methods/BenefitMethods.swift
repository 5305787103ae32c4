import CRMDomain
import CRMProtocol
import CRMStorage

/// Level benefits: `member.benefits` (the checkout's call) and `benefit.birthdays` (the daily job).
enum BenefitMethods {
    typealias Benefit = RPC.Benefit

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            // Any session: operators and analysts look members up; a shop's agent quotes its own shop's carts.
            MethodSpec(Benefit.Member.self, access: .session, scope: .memberFound) { p, call in
                let cart = try checkoutCart(p, call)
                let lookup = try MemberMethods.lookup(p.lookup)
                let record = try await MaskedLookup.run(
                    call, context: context, action: Benefit.Member.name, kind: MemberMethods.lookupKind(lookup), members: { [$0.member] }
                ) {
                    try await context.benefits.memberBenefits(lookup)
                }
                try await ShopScopeGate.require(members: [record.member], identity: call.session?.identity, context: context)
                return try result(record, ladder: try await context.loyaltyPolicy().ladder, cart: cart)
            },
            MethodSpec(Benefit.Birthdays.self, access: .write, scope: .merchantWide) { p, call in
                let loyalty = try await context.loyaltyPolicy()
                let asOf: String
                if let given = p.asOf { asOf = given } else { asOf = try await context.points.today(offsetMinutes: loyalty.points.offsetMinutes) }
                let b = try await context.benefits.birthdays(
                    asOf: asOf, loyalty: loyalty, after: p.after?.value ?? 0, limit: p.limit ?? 5_000, actor: call.actor)
                if b.pointsGifts + b.couponGifts > 0 {
                    context.logger.notice(
                        "birthday gifts given",
                        metadata: ["request": "\(call.requestID)", "as_of": "\(asOf)", "points": "\(b.pointsGifts)", "coupons": "\(b.couponGifts)"])
                }
                return Benefit.Birthdays.Result(
                    asOf: asOf, members: b.members, pointsGifts: b.pointsGifts, points: b.points, couponGifts: b.couponGifts, skipped: b.skipped,
                    next: b.next.map { MemberID($0) }, done: b.next == nil)
            },
        ]
    }

    /// The cart, checked for who may quote it: an agent only its own shop's (and it must give one).
    static func checkoutCart(_ p: Benefit.Member.Params, _ call: CallContext) throws(RPCError) -> Cart? {
        let cart: Cart?
        switch p.cart?.parsed() {
        case .success(let c)?: cart = c
        case .failure(let error)?: throw error
        case nil: cart = nil
        }
        guard let identity = call.session?.identity, identity.role == .agent else { return cart }
        guard let cart, cart.shop == identity.shop else {
            throw .forbidden("this agent token quotes carts of shop \(identity.shop ?? "-") only", reason: .wrongShop)
        }
        return cart
    }

    /// The answer: the level's terms, and with a cart the quote (`CheckoutQuote`).
    static func result(_ r: MemberBenefitsRecord, ladder: LevelLadder, cart: Cart?) throws(RPCError) -> Benefit.Member.Result {
        let level = ladder.levels[ladder.rank(of: r.levelCode)]
        var out = Benefit.Member.Result(
            memberID: MemberID(r.member), mergedFrom: r.mergedFrom.map { MemberID($0) }, level: MemberMethods.level(level),
            pricePercent: level.pricePercent, pointsMultiplierPercent: level.pointsMultiplierPercent,
            benefits: try JSONValueDecoder().decode([Benefit.Entry].self, from: LevelBenefitJSON.render(level.benefits)),
            points: .init(balance: r.balance), coupons: r.coupons.map(coupon))
        guard let cart else { return out }
        let quote = CheckoutQuote(
            cart: cart, pricePercent: level.pricePercent, benefits: level.benefits,
            coupons: r.coupons.map { CheckoutQuote.Held(code: $0.code, template: $0.template, standing: $0.standing) }, now: r.now)
        let offers = Dictionary(uniqueKeysWithValues: quote.offers.map { ($0.code, $0) })
        for i in out.coupons.indices {
            let code = out.coupons[i].code
            out.coupons[i].discount = offers[code].map { Money.format(fen: $0.discountFen) }
            out.coupons[i].reason = quote.refusals[code]?.rawValue
        }
        out.memberPrice = Money.format(fen: quote.memberPriceFen)
        out.applicable = quote.offers.map {
            .init(code: $0.code, discount: Money.format(fen: $0.discountFen), price: Money.format(fen: quote.memberPriceFen - $0.discountFen))
        }
        out.bestCoupon = quote.best?.code
        out.price = Money.format(fen: quote.priceFen)
        out.freeShipping = quote.freeShipping
        return out
    }

    static func coupon(_ h: HeldCoupon) -> Benefit.Member.Coupon {
        let (kind, value): (String, String) =
            switch h.template.discount {
            case .amount(let fen): ("amount", Money.format(fen: fen))
            case .percent(let p, _): ("percent", String(p))
            }
        return Benefit.Member.Coupon(
            code: h.code, template: h.template.name, title: h.template.title, status: h.standing.status.rawValue,
            validFrom: CivilTime.rfc3339(h.standing.validFrom), expiresAt: CivilTime.rfc3339(h.standing.expiresAt), kind: kind, value: value,
            minSpend: Money.format(fen: h.template.minSpendFen), stackable: h.template.stackable)
    }
}
