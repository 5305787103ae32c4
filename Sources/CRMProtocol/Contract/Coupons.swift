extension RPC {
    /// Coupons (優惠券): templates and their versions, issuing to a member or a saved segment,
    /// redemption at a checkout, voiding, the daily expiry and the redemption figures.
    public enum Coupon {
        public static let methods: [any RPCMethod.Type] = [
            TemplateAdd.self, TemplateList.self, TemplateDisable.self, Issue.self, List.self, Get.self, Redeem.self, VoidCoupon.self,
            Expire.self, Stats.self,
        ]
        static let keyRule = FieldRule.text(maxLength: 128, nonEmpty: true)
        static let nameRule = FieldRule.text(maxLength: 100, nonEmpty: true)
        static let moneyRule = FieldRule.text(maxLength: 20)
        static let codeRule = FieldRule.text(maxLength: 40, nonEmpty: true)
        static let listRule = FieldRule.items(max: 200, each: .text(maxLength: 100, nonEmpty: true))
        static let batchRule = FieldRule.integer(1...10_000)
    }
}

extension RPC.Coupon {
    /// Where a coupon may be used (empty or absent lists mean any).
    public struct Scope: RPCObject {
        public var shops: [String]?
        public var channels: [String]?
        public var categories: [String]?
        public var skus: [String]?
        public static let fieldRules: [String: FieldRule] = [
            "shops": listRule, "categories": listRule, "skus": listRule,
            "channels": .items(max: 3, each: .oneOf(["mobile", "web", "group_buy"], reason: .badChannel)),
        ]
        public init(shops: [String]? = nil, channels: [String]? = nil, categories: [String]? = nil, skus: [String]? = nil) {
            self.shops = shops
            self.channels = channels
            self.categories = categories
            self.skus = skus
        }
    }

    /// A template's version as stored: `terms` is its definition (kind, value, min_spend, scope,
    /// validity, per_member_limit, budget, stackable, release_on_refund, title, points_price).
    public struct Template: RPCObject {
        public var name: String
        public var version: Int64
        public var terms: JSONValue
        /// Most coupons ever issued under the name (null: no limit), and how many were.
        @Present public var budget: Int64?
        public var issued: Int64
        @Present public var disabledAt: String?
        public var createdAt: String
        public var createdBy: String
        public init(
            name: String, version: Int64, terms: JSONValue, budget: Int64?, issued: Int64, disabledAt: String?, createdAt: String, createdBy: String
        ) {
            self.name = name
            self.version = version
            self.terms = terms
            self.budget = budget
            self.issued = issued
            self.disabledAt = disabledAt
            self.createdAt = createdAt
            self.createdBy = createdBy
        }
    }

    /// `coupon.template.add`: a template, or a new version of the template of that name.
    public enum TemplateAdd: RPCMethod {
        public static let name = "coupon.template.add"
        public static let summary = "Adds a coupon template, or a new version of the one of that name (coupons already issued keep their terms)."

        public struct Params: RPCObject {
            public var name: String
            /// `amount` (value: yuan text) or `percent` (value: whole percent off, optional cap).
            public var kind: String
            public var value: JSONValue
            public var cap: String?
            public var minSpend: String?
            public var scope: Scope?
            public var validDays: Int64?
            public var validFrom: String?
            public var validUntil: String?
            public var perMemberLimit: Int64?
            public var budget: Int64?
            public var stackable: Bool?
            public var releaseOnRefund: Bool?
            public var title: String?
            public var pointsPrice: Int64?
            public static let fieldRules: [String: FieldRule] = [
                "name": nameRule, "kind": .oneOf(["amount", "percent"], reason: .badCoupon), "cap": moneyRule, "min_spend": moneyRule,
                "valid_from": .date, "valid_until": .date, "title": .text(maxLength: 100),
            ]
            public init(
                name: String, kind: String, value: JSONValue, cap: String? = nil, minSpend: String? = nil, scope: Scope? = nil,
                validDays: Int64? = nil, validFrom: String? = nil, validUntil: String? = nil, perMemberLimit: Int64? = nil,
                budget: Int64? = nil, stackable: Bool? = nil, releaseOnRefund: Bool? = nil, title: String? = nil, pointsPrice: Int64? = nil
            ) {
                self.name = name
                self.kind = kind
                self.value = value
                self.cap = cap
                self.minSpend = minSpend
                self.scope = scope
                self.validDays = validDays
                self.validFrom = validFrom
                self.validUntil = validUntil
                self.perMemberLimit = perMemberLimit
                self.budget = budget
                self.stackable = stackable
                self.releaseOnRefund = releaseOnRefund
                self.title = title
                self.pointsPrice = pointsPrice
            }

            public func validate() throws(RPCError) {
                if validDays != nil && (validFrom != nil || validUntil != nil) {
                    throw .invalidParams("give valid_days or valid_from and valid_until, not both", field: "valid_days", reason: .badCoupon)
                }
                if (validFrom == nil) != (validUntil == nil) {
                    throw .invalidParams("valid_from and valid_until go together", field: validFrom == nil ? "valid_from" : "valid_until", reason: .badCoupon)
                }
                if cap != nil && kind != "percent" { throw .invalidParams("cap is for percent-off coupons", field: "cap", reason: .badCoupon) }
            }
        }

        public struct Result: RPCObject {
            public var template: Template
            public init(template: Template) { self.template = template }
        }
    }

    /// `coupon.template.list`: the templates' current versions, or every version of one.
    public enum TemplateList: RPCMethod {
        public static let name = "coupon.template.list"
        public static let summary = "Lists coupon templates (their current versions), or every version of the one named."

        public struct Params: RPCObject {
            public var name: String?
            public var includeDisabled: Bool?
            public static let fieldRules: [String: FieldRule] = ["name": nameRule]
            public init(name: String? = nil, includeDisabled: Bool? = nil) {
                self.name = name
                self.includeDisabled = includeDisabled
            }
        }

        public struct Result: RPCObject {
            public var templates: [Template]
            public init(templates: [Template]) { self.templates = templates }
        }
    }

    /// `coupon.template.disable`: no more coupons of the template are issued; those issued stay usable.
    public enum TemplateDisable: RPCMethod {
        public static let name = "coupon.template.disable"
        public static let summary = "Stops issuing a coupon template; coupons already issued stay usable."

        public struct Params: RPCObject {
            public var name: String
            public static let fieldRules: [String: FieldRule] = ["name": nameRule]
            public init(name: String) { self.name = name }
        }

        public typealias Result = TemplateAdd.Result
    }
}
