import CRMDomain

extension RPC {
    /// Level benefits at checkout (`member.benefits`) and the birthday gifts of the daily job
    /// (`benefit.birthdays`). Rules: docs/benefits.md.
    public enum Benefit {
        public static let methods: [any RPCMethod.Type] = [Member.self, Birthdays.self]

        /// A benefit of a level: `{code, name}` and the terms of its code. `free_shipping` has
        /// `min_spend` (yuan), `birthday_gift` `points` or `coupon` (a template) and `when`
        /// (`month` | `day`), `level_gift` `coupon`; a merchant's own code its `params` (texts).
        public struct Entry: RPCObject {
            public var code: String
            public var name: String
            public var minSpend: String?
            public var points: Int64?
            public var coupon: String?
            public var when: String?
            public var params: WireMap<String>?

            public init(code: String, name: String, minSpend: String? = nil, points: Int64? = nil, coupon: String? = nil, when: String? = nil) {
                self.code = code
                self.name = name
                self.minSpend = minSpend
                self.points = points
                self.coupon = coupon
                self.when = when
            }
        }
    }
}

extension RPC.Benefit {
    /// What a checkout is about to sell: the shop, the channel, the amount at list price (yuan) and
    /// optionally its items (each line's price × quantity counts for coupons limited to SKUs or categories).
    public struct Cart: RPCObject {
        public var shop: String
        public var channel: String?
        public var amount: String
        public var items: [Item]?
        public static let fieldRules: [String: FieldRule] = [
            "shop": .text(maxLength: ShopCode.maxLength, nonEmpty: true), "channel": .oneOf(["mobile", "web", "group_buy"], reason: .badChannel),
            "amount": .text(maxLength: 20), "items": .items(max: CRMDomain.Cart.maxItems, each: nil),
        ]
        public init(shop: String, channel: String? = nil, amount: String, items: [Item]? = nil) {
            self.shop = shop
            self.channel = channel
            self.amount = amount
            self.items = items
        }

        /// One line of the cart.
        public struct Item: RPCObject {
            public var sku: String?
            public var category: String?
            public var quantity: Int64?
            /// Yuan, the price of one.
            public var price: String
            public static let fieldRules: [String: FieldRule] = [
                "sku": .text(maxLength: 64), "category": .text(maxLength: 64), "quantity": .integer(1...100_000), "price": .text(maxLength: 20),
            ]
            public init(sku: String? = nil, category: String? = nil, quantity: Int64? = nil, price: String) {
                self.sku = sku
                self.category = category
                self.quantity = quantity
                self.price = price
            }
        }

        /// The cart in the domain's terms, or the field at fault (`cart.amount`, `cart.items[2].price`) and why.
        public func parsed() -> Result<CRMDomain.Cart, RPCError> {
            guard let amountFen = Money.parseFen(amount) else {
                return .failure(.invalidParams("cart.amount must be an amount in yuan with at most two decimals", field: "cart.amount", reason: .badAmount))
            }
            var lines: [CRMDomain.Cart.Item] = []
            var total: Int64 = 0
            for (i, item) in (items ?? []).enumerated() {
                let field = "cart.items[\(i)]"
                guard item.sku != nil || item.category != nil else {
                    return .failure(.invalidParams("\(field) needs a sku or a category", field: field, reason: .badCart))
                }
                guard let price = Money.parseFen(item.price) else {
                    return .failure(.invalidParams("\(field).price must be an amount in yuan", field: field + ".price", reason: .badAmount))
                }
                let (line, overflow) = price.multipliedReportingOverflow(by: item.quantity ?? 1)
                total += overflow ? Money.maxFen + 1 : line
                guard !overflow, line <= Money.maxFen, total <= amountFen else {
                    return .failure(.invalidParams("the items of the cart add up to more than its amount", field: "cart.items", reason: .badCart))
                }
                lines.append(CRMDomain.Cart.Item(sku: item.sku, category: item.category, amountFen: line))
            }
            return .success(CRMDomain.Cart(shop: shop, channel: channel.flatMap(Channel.init(rawValue:)), amountFen: amountFen, items: lines))
        }

        public func validate() throws(RPCError) {
            if case .failure(let error) = parsed() { throw error }
        }
    }
}

extension RPC.Benefit {
    /// `member.benefits`: what a member is entitled to, and with a cart what they pay.
    public enum Member: RPCMethod {
        public static let name = "member.benefits"
        public static let summary =
            "A member's level, member price, benefits, spendable points and usable coupons; with a cart also the coupons that apply, the best one and the price."

        /// A member lookup as `member.get` takes it, and the cart.
        public struct Params: RPCObject {
            public var memberID: MemberID?
            public var shop: String?
            public var channel: String?
            public var externalID: String?
            public var phone: String?
            public var email: String?
            public var cart: Cart?
            public static let fieldRules: [String: FieldRule] = RPC.Member.Get.Params.fieldRules
            public init(
                memberID: MemberID? = nil, shop: String? = nil, channel: String? = nil, externalID: String? = nil, phone: String? = nil,
                email: String? = nil, cart: Cart? = nil
            ) {
                self.memberID = memberID
                self.shop = shop
                self.channel = channel
                self.externalID = externalID
                self.phone = phone
                self.email = email
                self.cart = cart
            }

            /// The lookup part, as `member.get` reads it.
            public var lookup: RPC.Member.Get.Params {
                RPC.Member.Get.Params(memberID: memberID, shop: shop, channel: channel, externalID: externalID, phone: phone, email: email)
            }

            public func validate() throws(RPCError) { try lookup.validate() }
        }

        public struct Result: RPCObject {
            public var memberID: MemberID
            /// The id asked for, when it was merged into this member.
            public var mergedFrom: MemberID?
            public var level: RPC.Level.Ref
            public var pricePercent: Int64
            public var pointsMultiplierPercent: Int64
            public var benefits: [Entry]
            public var points: Points
            /// Usable coupons, the first to expire first (at most 200).
            public var coupons: [Coupon]
            /// With a cart: the cart at the member price (yuan).
            public var memberPrice: String?
            /// With a cart: the coupons that apply, best first.
            public var applicable: [Offer]?
            /// With a cart: the coupon that takes off the most (ties: the one expiring first); `null` when none applies or no cart.
            @Present public var bestCoupon: String?
            /// With a cart: the member price less the best coupon (yuan).
            public var price: String?
            /// With a cart: whether the level ships it free.
            public var freeShipping: Bool?

            public init(
                memberID: MemberID, mergedFrom: MemberID?, level: RPC.Level.Ref, pricePercent: Int64, pointsMultiplierPercent: Int64,
                benefits: [Entry], points: Points, coupons: [Coupon]
            ) {
                self.memberID = memberID
                self.mergedFrom = mergedFrom
                self.level = level
                self.pricePercent = pricePercent
                self.pointsMultiplierPercent = pointsMultiplierPercent
                self.benefits = benefits
                self.points = points
                self.coupons = coupons
            }
        }

        /// The member's spendable points.
        public struct Points: RPCObject {
            public var balance: Int64
            public init(balance: Int64) { self.balance = balance }
        }

        /// A usable coupon; with a cart, what it takes off or why it does not apply.
        public struct Coupon: RPCObject {
            public var code: String
            public var template: String
            public var title: String?
            public var status: String
            public var validFrom: String
            public var expiresAt: String
            /// `amount` or `percent`.
            public var kind: String
            /// Yuan off (`amount`) or percent off (`percent`), as text.
            public var value: String
            public var minSpend: String
            public var stackable: Bool
            /// With a cart: yuan off this cart.
            public var discount: String?
            /// With a cart: why it does not apply (`below_min_spend`, `out_of_scope`, `coupon_not_yet_valid`…).
            public var reason: String?
            public init(
                code: String, template: String, title: String?, status: String, validFrom: String, expiresAt: String, kind: String, value: String,
                minSpend: String, stackable: Bool
            ) {
                self.code = code
                self.template = template
                self.title = title
                self.status = status
                self.validFrom = validFrom
                self.expiresAt = expiresAt
                self.kind = kind
                self.value = value
                self.minSpend = minSpend
                self.stackable = stackable
            }
        }

        /// A coupon that applies to the cart.
        public struct Offer: RPCObject {
            public var code: String
            public var discount: String
            public var price: String
            public init(code: String, discount: String, price: String) {
                self.code = code
                self.discount = discount
                self.price = price
            }
        }
    }

    /// `benefit.birthdays`: one batch of the daily birthday gifts.
    public enum Birthdays: RPCMethod {
        public static let name = "benefit.birthdays"
        public static let summary =
            "Gives the birthday gifts due on a day (points or a coupon, once a year) to one batch of members in id order; call again with after until done."

        public struct Params: RPCObject {
            /// The merchant's day (default today); never after today.
            public var asOf: String?
            /// Members looked at in this batch (default 5,000).
            public var limit: Int?
            /// The `next` of the previous batch (default: from the first member).
            public var after: MemberID?
            public static let fieldRules: [String: FieldRule] = ["as_of": .date, "limit": .integer(1...50_000)]
            public init(asOf: String? = nil, limit: Int? = nil, after: MemberID? = nil) {
                self.asOf = asOf
                self.limit = limit
                self.after = after
            }
        }

        public struct Result: RPCObject {
            public var asOf: String
            /// Members looked at.
            public var members: Int64
            /// Gifts given: points and coupons, and the points in all.
            public var pointsGifts: Int64
            public var points: Int64
            public var couponGifts: Int64
            /// Due but not given: already given this year, or refused (the coupon's budget or limit, the balance limit).
            public var skipped: Int64
            /// Pass as `after` to go on; `null` when done.
            @Present public var next: MemberID?
            public var done: Bool
            public init(asOf: String, members: Int64, pointsGifts: Int64, points: Int64, couponGifts: Int64, skipped: Int64, next: MemberID?, done: Bool) {
                self.asOf = asOf
                self.members = members
                self.pointsGifts = pointsGifts
                self.points = points
                self.couponGifts = couponGifts
                self.skipped = skipped
                self.next = next
                self.done = done
            }
        }
    }
}
