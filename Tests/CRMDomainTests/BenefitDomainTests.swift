import CRMDomain
import Testing

@Suite("level benefits and checkout quotes")
struct BenefitDomainTests {
    static let now: Int64 = 1_800_000_000

    static func held(
        _ code: String, _ discount: CouponDiscount, minSpend: Int64 = 0, expiresIn days: Int64 = 10, scope: CouponScope = CouponScope()
    )
        -> CheckoutQuote.Held
    {
        var t = CouponTemplate(name: "T-\(code)", discount: discount)
        t.minSpendFen = minSpend
        t.scope = scope
        return CheckoutQuote.Held(
            code: code, template: t, standing: CouponCheck.Standing(status: .usable, validFrom: now - 86_400, expiresAt: now + days * 86_400))
    }

    @Test("the default ladder's member prices: 95 / 92 / 90 / 88 % by level")
    func memberPrices() {
        let ladder = LevelLadder()
        #expect(ladder.problems().isEmpty)
        let cart = Cart(shop: "sh01", channel: .web, amountFen: 100_000)
        let prices = ladder.levels.map { CheckoutQuote(cart: cart, pricePercent: $0.pricePercent, benefits: $0.benefits, coupons: [], now: Self.now).priceFen }
        #expect(prices == [95_000, 92_000, 90_000, 88_000])
        #expect(ladder.levels.map(\.minSpendFen) == [0, 200_000, 500_000, 2_000_000])
        // Rounded half up to the fen: ¥0.99 at 95 % is ¥0.94 (94.05 fen).
        #expect(CheckoutQuote(cart: Cart(shop: "s", channel: nil, amountFen: 99), pricePercent: 95, benefits: [], coupons: [], now: Self.now).priceFen == 94)
    }

    @Test("the best coupon takes off the most; ties go to the one expiring first, then the code")
    func bestCoupon() {
        let cart = Cart(shop: "sh01", channel: .web, amountFen: 20_000)  // ¥200 → ¥190 at 95 %
        let coupons = [
            Self.held("A", .amount(fen: 500)),
            Self.held("B", .percent(10, capFen: 1_500)),  // 10 % of ¥190, capped at ¥15
            Self.held("C", .amount(fen: 2_000), minSpend: 19_100),  // ¥191 needed: below at the member price
            Self.held("D", .amount(fen: 1_900), expiresIn: 3),  // ties with B (19.00), expires first
            Self.held("E", .amount(fen: 1_900), expiresIn: 3),
            Self.held("F", .amount(fen: 5_000), scope: CouponScope(shops: ["sh02"])),
        ]
        let q = CheckoutQuote(cart: cart, pricePercent: 95, benefits: [], coupons: coupons, now: Self.now)
        #expect(q.memberPriceFen == 19_000)
        #expect(q.offers.map(\.code) == ["D", "E", "B", "A"])
        #expect(q.best?.code == "D")
        #expect(q.priceFen == 19_000 - 1_900)
        #expect(q.refusals == ["C": .belowMinSpend, "F": .outOfScope])
        // No coupon: the member price.
        #expect(CheckoutQuote(cart: cart, pricePercent: 92, benefits: [], coupons: [], now: Self.now).priceFen == 18_400)
    }

    @Test("coupons limited to items count only those items, at the member price")
    func itemScope() {
        let cart = Cart(
            shop: "sh01", channel: .mobile, amountFen: 30_000,
            items: [Cart.Item(sku: "SCARF", category: "accessories", amountFen: 10_000), Cart.Item(sku: "COAT", category: "coats", amountFen: 20_000)])
        let coupons = [Self.held("X", .percent(50, capFen: nil), scope: CouponScope(categories: ["accessories"]))]
        let q = CheckoutQuote(cart: cart, pricePercent: 90, benefits: [], coupons: coupons, now: Self.now)
        #expect(q.memberPriceFen == 27_000)
        #expect(q.offers.first?.discountFen == 4_500)  // half of the scarf's ¥90
        #expect(q.priceFen == 22_500)
    }

    @Test("free shipping from the level's minimum, at the member price")
    func freeShipping() {
        let senior = LevelLadder().levels[1]
        #expect(senior.benefit(.freeShipping)?.minSpendFen == 9_900)
        func ships(_ fen: Int64) -> Bool {
            CheckoutQuote(
                cart: Cart(shop: "s", channel: nil, amountFen: fen), pricePercent: senior.pricePercent, benefits: senior.benefits, coupons: [], now: Self.now
            )
            .freeShipping
        }
        #expect(ships(10_800))  // ¥108 → ¥99.36
        #expect(!ships(10_700))  // ¥107 → ¥98.44
        let regular = LevelLadder().levels[0]
        #expect(
            !CheckoutQuote(cart: Cart(shop: "s", channel: nil, amountFen: 1_000_000), pricePercent: 95, benefits: regular.benefits, coupons: [], now: Self.now)
                .freeShipping)
    }

    @Test("birthday gifts: in the month or on the day; 29 February on the 28th in other years")
    func birthdays() {
        #expect(BirthdayGift.isDue(birthday: (1990, 5, 20), on: (2026, 5, 1), when: .month))
        #expect(!BirthdayGift.isDue(birthday: (1990, 5, 20), on: (2026, 6, 20), when: .month))
        #expect(BirthdayGift.isDue(birthday: (1990, 5, 20), on: (2026, 5, 20), when: .day))
        #expect(!BirthdayGift.isDue(birthday: (1990, 5, 20), on: (2026, 5, 21), when: .day))
        #expect(BirthdayGift.isDue(birthday: (2000, 2, 29), on: (2026, 2, 28), when: .day))
        #expect(!BirthdayGift.isDue(birthday: (2000, 2, 29), on: (2028, 2, 28), when: .day))
        #expect(BirthdayGift.isDue(birthday: (2000, 2, 29), on: (2028, 2, 29), when: .day))
        #expect(BirthdayGift.period(year: 2026) == "birthday:2026")
    }

    @Test("benefits are checked with the ladder: terms belong to their codes, merchants' codes carry texts")
    func benefitProblems() {
        #expect(LevelBenefit(code: "birthday_gift", name: "生日禮", gift: .points(100), when: .day).problems().isEmpty)
        #expect(!LevelBenefit(code: "birthday_gift", name: "生日禮").problems().isEmpty)
        #expect(!LevelBenefit(code: "level_gift", name: "升級禮", gift: .points(5)).problems().isEmpty)
        #expect(LevelBenefit(code: "level_gift", name: "升級禮", gift: .coupon(template: "WELCOME")).problems().isEmpty)
        #expect(!LevelBenefit(code: "gift_wrap", name: "包裝", minSpendFen: 100).problems().isEmpty)
        #expect(LevelBenefit(code: "member_day", name: "會員日", params: [.init(name: "day", text: "每月18日")]).problems().isEmpty)
        #expect(!LevelBenefit(code: "Member Day", name: "會員日").problems().isEmpty)
        var ladder = LevelLadder()
        ladder.levels[0].benefits.append(LevelBenefit(code: "birthday_gift", name: "again", gift: .points(1), when: .month))
        #expect(ladder.problems().contains("level regular: benefit codes must be unique"))
    }
}
