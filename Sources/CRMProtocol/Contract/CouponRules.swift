import CRMDomain

extension RPC {
    /// Tiered coupon rules (滿額送券): `coupon.rule.add|list|disable`. Every new paid order gets, from
    /// each rule in force, a coupon of the template of the highest tier its amount reaches.
    public enum CouponRules {
        public static let methods: [any RPCMethod.Type] = [RuleAdd.self, RuleList.self, RuleDisable.self]
    }
}

extension RPC.CouponRules {
    /// One tier: orders of at least `min_amount` (yuan text) get a coupon of `template`.
    public struct Tier: RPCObject {
        public var minAmount: String
        public var template: String
        public static let fieldRules: [String: FieldRule] = [
            "min_amount": .text(maxLength: 20, nonEmpty: true), "template": .text(maxLength: 100, nonEmpty: true),
        ]
        public init(minAmount: String, template: String) {
            self.minAmount = minAmount
            self.template = template
        }
    }

    /// A tier rule as stored: tiers by rising amount; empty `shops` / `channels` mean any.
    public struct Rule: RPCObject {
        public var id: Int64
        public var name: String
        public var version: Int64
        public var tiers: [Tier]
        public var shops: [String]
        public var channels: [String]
        public var createdAt: String
        public var createdBy: String
        @Present public var disabledAt: String?
        public init(
            id: Int64, name: String, version: Int64, tiers: [Tier], shops: [String], channels: [String], createdAt: String, createdBy: String,
            disabledAt: String?
        ) {
            self.id = id
            self.name = name
            self.version = version
            self.tiers = tiers
            self.shops = shops
            self.channels = channels
            self.createdAt = createdAt
            self.createdBy = createdBy
            self.disabledAt = disabledAt
        }
    }

    /// `coupon.rule.add`: a new tier rule, or a new version of the rule with that name.
    public enum RuleAdd: RPCMethod {
        public static let name = "coupon.rule.add"
        public static let summary = "Adds a tiered coupon rule (or a new version of the rule of that name): new paid orders get the highest tier's coupon."

        public struct Params: RPCObject {
            public var name: String
            public var tiers: [Tier]
            /// Only orders of these shops (absent or empty: any).
            public var shops: [String]?
            /// Only orders of these channels (absent or empty: any).
            public var channels: [String]?
            public static let fieldRules: [String: FieldRule] = [
                "name": .text(maxLength: 100, nonEmpty: true), "tiers": .items(max: CouponTiers.maxTiers, each: nil),
                "shops": .items(max: 200, each: .text(maxLength: 32, nonEmpty: true)),
                "channels": .items(max: 3, each: .oneOf(Channel.allCases.map(\.rawValue), reason: .badChannel)),
            ]
            public init(name: String, tiers: [Tier], shops: [String]? = nil, channels: [String]? = nil) {
                self.name = name
                self.tiers = tiers
                self.shops = shops
                self.channels = channels
            }

            /// The rule these params describe, or the field at fault.
            public func rule() throws(RPCError) -> CouponTiers {
                var tiers: [CouponTiers.Tier] = []
                for (i, t) in self.tiers.enumerated() {
                    guard let fen = Money.parseFen(t.minAmount), fen > 0 else {
                        throw .invalidParams("min_amount must be an amount in yuan above 0", field: "tiers[\(i)].min_amount", reason: .badAmount)
                    }
                    tiers.append(.init(minAmountFen: fen, template: t.template))
                }
                var rule = CouponTiers(name: name, tiers: tiers)
                rule.shops = shops ?? []
                rule.channels = (channels ?? []).compactMap(Channel.init(rawValue:))
                if let problem = rule.problems().first { throw .invalidParams(problem, field: "tiers", reason: .badRule) }
                return rule
            }

            public func validate() throws(RPCError) { _ = try rule() }
        }

        public typealias Result = RPC.OneRule<Rule>
    }

    /// `coupon.rule.list`: the tier rules in force (and, asked, the disabled ones).
    public enum RuleList: RPCMethod {
        public static let name = "coupon.rule.list"
        public static let summary = "Lists the tiered coupon rules in force, and the disabled ones when asked."
        public typealias Params = RPC.RuleListParams
        public typealias Result = RPC.RuleList<Rule>
    }

    /// `coupon.rule.disable`: later orders no longer get its coupons.
    public enum RuleDisable: RPCMethod {
        public static let name = "coupon.rule.disable"
        public static let summary = "Disables the tiered coupon rule of that name for orders paid from now on."
        public typealias Params = RPC.RuleNameParams
        public typealias Result = RPC.OneRule<RPC.DisabledRule>
    }
}
