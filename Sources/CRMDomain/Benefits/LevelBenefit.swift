/// A named benefit of a level (會員權益), configured with the ladder: free shipping from a spend,
/// a birthday gift, a gift on reaching the level, priority purchase, gift wrapping, a personal
/// advisor, or any benefit the merchant names (codes are data). The member price and the points
/// multiplier are the level's own fields, not benefits.
public struct LevelBenefit: Sendable, Equatable {
    /// What the benefit is (`free_shipping`, `birthday_gift`, or the merchant's own word).
    public var code: String
    /// What members see (包郵, 生日禮包…).
    public var name: String
    /// `free_shipping`: the spend (at the member price) from which shipping is free.
    public var minSpendFen: Int64?
    /// `birthday_gift` and `level_gift`: what is given.
    public var gift: Gift?
    /// `birthday_gift`: in the birthday month or on the day.
    public var when: BirthdayGift.When?
    /// Other codes: the merchant's own terms as free text, by name (e.g. `"day": "每月18日"`).
    public var params: [Param]

    /// Points or a coupon of a template.
    public enum Gift: Sendable, Equatable {
        case points(Int64)
        case coupon(template: String)
    }

    /// One free-text term of a merchant's benefit.
    public struct Param: Sendable, Equatable {
        public var name: String
        public var text: String
        public init(name: String, text: String) {
            self.name = name
            self.text = text
        }
    }

    public init(
        code: String, name: String, minSpendFen: Int64? = nil, gift: Gift? = nil, when: BirthdayGift.When? = nil, params: [Param] = []
    ) {
        self.code = code
        self.name = name
        self.minSpendFen = minSpendFen
        self.gift = gift
        self.when = when
        self.params = params
    }

    /// The codes crmd acts on; any other code is carried as the merchant wrote it.
    public enum Known: String, Sendable, CaseIterable {
        case freeShipping = "free_shipping"
        case birthdayGift = "birthday_gift"
        case levelGift = "level_gift"
        case priorityPurchase = "priority_purchase"
        case giftWrap = "gift_wrap"
        case personalAdvisor = "personal_advisor"
    }

    public static let maxPerLevel = 20
    public static let maxParams = 10
    public static let maxGiftPoints: Int64 = 1_000_000

    /// Problems that make the benefit unusable; empty when fine.
    public func problems() -> [String] {
        var out: [String] = []
        if code.isEmpty || code.count > 32 || !code.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) {
            out.append("benefit code \(code) must be 1-32 of a-z, 0-9, _")
        }
        if name.isEmpty || name.count > 50 { out.append("benefit \(code) needs a name of 1-50 characters") }
        let known = Known(rawValue: code)
        if (minSpendFen != nil) != (known == .freeShipping) { out.append("min_spend belongs to free_shipping only") }
        if let m = minSpendFen, !(0...Money.maxFen).contains(m) { out.append("benefit \(code): min_spend is out of range") }
        switch (known, gift) {
        case (.birthdayGift, .some), (.levelGift, .coupon?): break
        case (.birthdayGift, nil): out.append("birthday_gift needs points or a coupon")
        case (.levelGift, _): out.append("level_gift needs a coupon")
        case (_, .some): out.append("points and coupon belong to birthday_gift and level_gift only")
        case (_, nil): break
        }
        if case .points(let p)? = gift, !(1...Self.maxGiftPoints).contains(p) {
            out.append("benefit \(code): points must be between 1 and \(Self.maxGiftPoints)")
        }
        if case .coupon(let t)? = gift, t.isEmpty || t.count > 100 { out.append("benefit \(code): coupon must name a template (1-100 characters)") }
        if (when != nil) && known != .birthdayGift { out.append("when belongs to birthday_gift only") }
        if !params.isEmpty && known != nil { out.append("params belong to the merchant's own benefits, not \(code)") }
        if params.count > Self.maxParams { out.append("benefit \(code) has more than \(Self.maxParams) params") }
        for p in params where p.name.isEmpty || p.name.count > 32 || p.text.count > 200 {
            out.append("benefit \(code): param names are 1-32 characters, texts at most 200")
        }
        return out
    }
}

extension LevelBenefit {
    /// The benefits of the default ladder, rung by rung (regular, senior, vip, supreme): a birthday
    /// gift growing with the level, free shipping from senior (from ¥99) and vip (always), priority
    /// purchase and gift wrapping from vip, a personal advisor at the top.
    public static let defaults: [[LevelBenefit]] = {
        func birthday(_ points: Int64) -> LevelBenefit {
            LevelBenefit(code: "birthday_gift", name: "生日禮包", gift: .points(points), when: .month)
        }
        let shipping = LevelBenefit(code: "free_shipping", name: "包郵", minSpendFen: 0)
        let priority = LevelBenefit(code: "priority_purchase", name: "優先購")
        let wrap = LevelBenefit(code: "gift_wrap", name: "免費禮品包裝")
        return [
            [birthday(100)],
            [birthday(200), LevelBenefit(code: "free_shipping", name: "包郵", minSpendFen: 9_900)],
            [birthday(500), shipping, priority, wrap],
            [birthday(1_000), shipping, priority, wrap, LevelBenefit(code: "personal_advisor", name: "專屬顧問")],
        ]
    }()
}
