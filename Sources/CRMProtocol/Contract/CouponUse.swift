extension RPC.Coupon {
    /// `coupon.redeem`: a checkout uses a coupon, once per idempotency key.
    public enum Redeem: RPCMethod {
        public static let name = "coupon.redeem"
        public static let summary = "Redeems a coupon on a checkout's cart (agents for their own shop), once per idempotency key."

        public struct Params: RPCObject {
            public var code: String
            public var shop: String
            /// What the till charges before coupons (after the member price), yuan text.
            public var amount: String
            public var channel: String?
            public var items: [Item]?
            public var orderNo: String?
            /// The member buying, when the till knows it: a coupon held by another member is refused.
            public var memberID: MemberID?
            public var idempotencyKey: String
            public static let fieldRules: [String: FieldRule] = [
                "code": codeRule, "shop": .text(maxLength: 32, nonEmpty: true), "amount": moneyRule,
                "channel": .oneOf(["mobile", "web", "group_buy"], reason: .badChannel), "items": .items(max: 500, each: nil),
                "order_no": .text(maxLength: 100, nonEmpty: true), "idempotency_key": keyRule,
            ]
            public init(
                code: String, shop: String, amount: String, channel: String? = nil, items: [Item]? = nil, orderNo: String? = nil,
                memberID: MemberID? = nil, idempotencyKey: String
            ) {
                self.code = code
                self.shop = shop
                self.amount = amount
                self.channel = channel
                self.items = items
                self.orderNo = orderNo
                self.memberID = memberID
                self.idempotencyKey = idempotencyKey
            }
        }

        /// One line of the cart: what it costs (price × quantity, yuan text).
        public struct Item: RPCObject {
            public var sku: String?
            public var category: String?
            public var amount: String
            public static let fieldRules: [String: FieldRule] = ["sku": .text(maxLength: 100), "category": .text(maxLength: 100), "amount": moneyRule]
            public init(sku: String? = nil, category: String? = nil, amount: String) {
                self.sku = sku
                self.category = category
                self.amount = amount
            }
        }

        public struct Result: RPCObject {
            public var code: String
            public var status: String
            public var discount: String
            public var template: String
            public var memberID: MemberID
            public var shop: String
            @Present public var orderNo: String?
            public var replayed: Bool
            public init(code: String, status: String, discount: String, template: String, memberID: MemberID, shop: String, orderNo: String?, replayed: Bool) {
                self.code = code
                self.status = status
                self.discount = discount
                self.template = template
                self.memberID = memberID
                self.shop = shop
                self.orderNo = orderNo
                self.replayed = replayed
            }
        }
    }

    /// `coupon.void`: takes a usable coupon back (issued by mistake, fraud...).
    public enum VoidCoupon: RPCMethod {
        public static let name = "coupon.void"
        public static let summary = "Voids a usable coupon, with the reason."

        public struct Params: RPCObject {
            public var code: String
            public var reason: String
            public static let fieldRules: [String: FieldRule] = ["code": codeRule, "reason": .text(maxLength: 500, nonEmpty: true)]
            public init(code: String, reason: String) {
                self.code = code
                self.reason = reason
            }
        }

        public struct Result: RPCObject {
            public var code: String
            public var status: String
            public init(code: String, status: String) {
                self.code = code
                self.status = status
            }
        }
    }

    /// `coupon.expire`: one batch of the daily expiry (usable coupons past their validity).
    public enum Expire: RPCMethod {
        public static let name = "coupon.expire"
        public static let summary = "Marks one batch of usable coupons past their validity expired; call again until done."

        public struct Params: RPCObject {
            public var asOf: String?
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = ["as_of": .date, "limit": batchRule]
            public init(asOf: String? = nil, limit: Int? = nil) {
                self.asOf = asOf
                self.limit = limit
            }
        }

        public struct Result: RPCObject {
            public var asOf: String
            public var expired: Int64
            public var done: Bool
            public init(asOf: String, expired: Int64, done: Bool) {
                self.asOf = asOf
                self.expired = expired
                self.done = done
            }
        }
    }

    /// `coupon.stats`: issued, redeemed and the redemption rate (核銷率), by template and by shop.
    public enum Stats: RPCMethod {
        public static let name = "coupon.stats"
        public static let summary = "Coupons issued, redeemed, expired, voided and usable, the redemption rate and value, by template and by shop."

        public struct Params: RPCObject {
            public var template: String?
            public static let fieldRules: [String: FieldRule] = ["template": nameRule]
            public init(template: String? = nil) { self.template = template }
        }

        public struct Result: RPCObject {
            public var templates: [TemplateFigures]
            public var shops: [ShopFigures]
            public init(templates: [TemplateFigures], shops: [ShopFigures]) {
                self.templates = templates
                self.shops = shops
            }
        }

        /// One template's coupons by status; `redemption_rate` is redeemed / issued ("0.4000"; null
        /// before any is issued); values are yuan text.
        public struct TemplateFigures: RPCObject {
            public var template: String
            public var issued: Int64
            public var redeemed: Int64
            public var expired: Int64
            public var voided: Int64
            public var usable: Int64
            @Present public var redemptionRate: String?
            public var faceValueRedeemed: String
            public var discount: String
            public init(
                template: String, issued: Int64, redeemed: Int64, expired: Int64, voided: Int64, usable: Int64, redemptionRate: String?,
                faceValueRedeemed: String, discount: String
            ) {
                self.template = template
                self.issued = issued
                self.redeemed = redeemed
                self.expired = expired
                self.voided = voided
                self.usable = usable
                self.redemptionRate = redemptionRate
                self.faceValueRedeemed = faceValueRedeemed
                self.discount = discount
            }
        }

        /// A template's redemptions in one shop.
        public struct ShopFigures: RPCObject {
            public var template: String
            public var shop: String
            public var redeemed: Int64
            public var faceValueRedeemed: String
            public var discount: String
            public init(template: String, shop: String, redeemed: Int64, faceValueRedeemed: String, discount: String) {
                self.template = template
                self.shop = shop
                self.redeemed = redeemed
                self.faceValueRedeemed = faceValueRedeemed
                self.discount = discount
            }
        }
    }
}

extension RPC.Coupon {
    /// Coupons by status over every template, as `points.verify` reports the coupon books:
    /// issued = redeemed + expired + voided + usable.
    public struct Totals: RPCObject {
        public var issued: Int64
        public var redeemed: Int64
        public var expired: Int64
        public var voided: Int64
        public var usable: Int64
        public init(issued: Int64, redeemed: Int64, expired: Int64, voided: Int64, usable: Int64) {
            self.issued = issued
            self.redeemed = redeemed
            self.expired = expired
            self.voided = voided
            self.usable = usable
        }
    }
}
