import CRMDomain
import Testing

@Suite("coupon rules")
struct CouponDomainTests {
    static let day: Int64 = 86_400
    static let cst = 480  // +08:00

    func template(_ discount: CouponDiscount, minSpend: Int64 = 0, scope: CouponScope = CouponScope()) -> CouponTemplate {
        var t = CouponTemplate(name: "T", discount: discount)
        t.minSpendFen = minSpend
        t.scope = scope
        return t
    }

    let usable = CouponCheck.Standing(status: .usable, validFrom: 1_000, expiresAt: 1_000 + 30 * day)

    @Test("滿100減3: usable from ¥100, takes off ¥3, never more than the cart")
    func amountOff() {
        let t = template(.amount(fen: 300), minSpend: 10_000)
        let cart = Cart(shop: "s1", channel: .web, amountFen: 10_000)
        #expect(CouponCheck.discount(t, usable, cart: cart, now: 2_000) == .success(300))
        #expect(CouponCheck.discount(t, usable, cart: Cart(shop: "s1", channel: .web, amountFen: 9_999), now: 2_000) == .failure(.belowMinSpend))
        #expect(
            CouponCheck.discount(template(.amount(fen: 5_000)), usable, cart: Cart(shop: "s1", channel: nil, amountFen: 1_200), now: 2_000) == .success(1_200))
    }

    @Test("percent off rounds down to the fen and stops at its cap")
    func percentOff() {
        #expect(CouponDiscount.percent(10, capFen: nil).off(12_345) == 1_234)
        #expect(CouponDiscount.percent(15, capFen: 2_000).off(100_000) == 2_000)
        #expect(CouponDiscount.percent(33, capFen: nil).off(1) == 0)
        #expect(CouponDiscount.percent(99, capFen: nil).off(Money.maxFen) == Money.maxFen / 100 * 99)
    }

    @Test("status and validity come first: used, voided, expired, not yet valid")
    func standing() {
        let t = template(.amount(fen: 300))
        let cart = Cart(shop: "s1", channel: .web, amountFen: 10_000)
        #expect(CouponCheck.discount(t, .init(status: .redeemed, validFrom: 0, expiresAt: 10), cart: cart, now: 5) == .failure(.used))
        #expect(CouponCheck.discount(t, .init(status: .voided, validFrom: 0, expiresAt: 10), cart: cart, now: 5) == .failure(.voided))
        #expect(CouponCheck.discount(t, .init(status: .usable, validFrom: 0, expiresAt: 10), cart: cart, now: 10) == .failure(.expired))
        #expect(CouponCheck.discount(t, .init(status: .usable, validFrom: 6, expiresAt: 10), cart: cart, now: 5) == .failure(.notYetValid))
        #expect(CouponCheck.Refusal.belowMinSpend.reason == .belowMinSpend)
    }

    @Test("scope: shops and channels take the whole cart; categories and SKUs only their items")
    func scope() {
        let items = [Cart.Item(sku: "A1", category: "skin", amountFen: 6_000), Cart.Item(sku: "B2", category: "hair", amountFen: 4_000)]
        let cart = Cart(shop: "s1", channel: .mobile, amountFen: 10_000, items: items)
        #expect(CouponCheck.discount(template(.amount(fen: 300), scope: .init(shops: ["s2"])), usable, cart: cart, now: 2_000) == .failure(.outOfScope))
        #expect(CouponCheck.discount(template(.amount(fen: 300), scope: .init(channels: [.web])), usable, cart: cart, now: 2_000) == .failure(.outOfScope))
        let noChannel = Cart(shop: "s1", channel: nil, amountFen: 10_000)
        #expect(CouponCheck.discount(template(.amount(fen: 300), scope: .init(channels: [.web])), usable, cart: noChannel, now: 2_000) == .failure(.outOfScope))
        let skin = template(.percent(10, capFen: nil), minSpend: 5_000, scope: .init(categories: ["skin"]))
        #expect(CouponCheck.discount(skin, usable, cart: cart, now: 2_000) == .success(600))
        let hair = template(.percent(10, capFen: nil), minSpend: 5_000, scope: .init(skus: ["B2"]))
        #expect(CouponCheck.discount(hair, usable, cart: cart, now: 2_000) == .failure(.belowMinSpend))
        #expect(CouponCheck.discount(skin, usable, cart: noChannel, now: 2_000) == .failure(.outOfScope))
    }

    @Test("member price: a share of list, rounded half up to the fen, items alike")
    func memberPrice() {
        let cart = Cart(shop: "s1", channel: .web, amountFen: 10_001, items: [.init(sku: "A", category: nil, amountFen: 10_001)])
        let at95 = cart.atPrice(percent: 95)
        #expect(at95.amountFen == 9_501)  // 9500.95 → 9501
        #expect(at95.items[0].amountFen == 9_501)
        #expect(cart.atPrice(percent: 88).amountFen == 8_801)  // 8800.88 → 8801
        #expect(cart.atPrice(percent: 100) == cart)
    }

    @Test("validity: N days ends at the end of the merchant's Nth day; fixed dates cover whole days")
    func validity() {
        // 2026-11-27 10:00 +08:00 = 02:00 UTC.
        let issued = CivilTime.seconds(rfc3339: "2026-11-27T02:00:00Z")!
        let w = CouponValidity.days(1).window(issuedAt: issued, offsetMinutes: Self.cst)
        #expect(w.from == issued)
        #expect(CivilTime.rfc3339(w.until) == "2026-11-27T16:00:00Z")  // midnight +08:00
        #expect(CivilTime.rfc3339(CouponValidity.days(30).window(issuedAt: issued, offsetMinutes: Self.cst).until) == "2026-12-26T16:00:00Z")
        let d = CouponValidity.dates(from: "2026-12-01", until: "2026-12-31").window(issuedAt: issued, offsetMinutes: Self.cst)
        #expect(CivilTime.rfc3339(d.from) == "2026-11-30T16:00:00Z")
        #expect(CivilTime.rfc3339(d.until) == "2026-12-31T16:00:00Z")
    }

    @Test("templates name what is wrong with them")
    func problems() {
        var t = CouponTemplate(name: "", discount: .percent(100, capFen: 0))
        t.validity = .dates(from: "2026-12-31", until: "2026-12-01")
        t.perMemberLimit = 0
        let found = t.problems()
        #expect(found.contains("name must be 1-100 characters"))
        #expect(found.contains("value must be a percent off between 1 and 99"))
        #expect(found.contains("cap must be an amount above 0"))
        #expect(found.contains("valid_until must not be before valid_from"))
        #expect(found.contains { $0.hasPrefix("per_member_limit") })
        #expect(CouponTemplate(name: "滿100減3", discount: .amount(fen: 300)).problems().isEmpty)
    }

    @Test("codes: 16 characters in groups of four, distinct, read back forgivingly")
    func codes() {
        var seen = Set<String>()
        for _ in 0..<2_000 {
            let code = CouponCode.make()
            #expect(code.count == 19 && code.split(separator: "-").count == 4)
            #expect(CouponCode.normalized(code) == code)
            seen.insert(code)
        }
        #expect(seen.count == 2_000)
        #expect(CouponCode.normalized("k7qd 2m9x ab3f orti") == "K7QD-2M9X-AB3F-0RT1")
        #expect(CouponCode.normalized("K7QD-2M9X-AB3F") == nil)
        #expect(CouponCode.normalized("K7QD-2M9X-AB3F-0RTU") == nil)  // U is not in the alphabet
    }

    @Test("滿額送券: the highest tier reached wins; shops and channels limit the rule")
    func tiers() {
        var rule = CouponTiers(name: "滿額送券", tiers: [.init(minAmountFen: 15_000, template: "T5"), .init(minAmountFen: 10_000, template: "T3")])
        #expect(rule.problems().isEmpty)
        #expect(rule.template(forAmount: 9_999, shop: "s1", channel: .web) == nil)
        #expect(rule.template(forAmount: 10_000, shop: "s1", channel: .web) == "T3")
        #expect(rule.template(forAmount: 16_000, shop: "s1", channel: .web) == "T5")
        rule.channels = [.mobile]
        #expect(rule.template(forAmount: 16_000, shop: "s1", channel: .web) == nil)
        rule.tiers.append(.init(minAmountFen: 10_000, template: "T4"))
        #expect(rule.problems() == ["tiers must have different min_amount"])
    }
}
