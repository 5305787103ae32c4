extension RPC {
    /// Points for a coupon (積分兌換現金券): `coupon.exchange`.
    public enum CouponExchange {
        public static let methods: [any RPCMethod.Type] = [Exchange.self]
    }
}

extension RPC.CouponExchange {
    /// `coupon.exchange`: spends a template's `points_price` and issues its coupon, in one transaction,
    /// once per idempotency key.
    public enum Exchange: RPCMethod {
        public static let name = "coupon.exchange"
        public static let summary = "Exchanges a member's points for a coupon of a template sold for points, once per idempotency key."

        public struct Params: RPCObject {
            public var memberID: MemberID
            public var template: String
            public var idempotencyKey: String
            public static let fieldRules: [String: FieldRule] = [
                "template": .text(maxLength: 100, nonEmpty: true), "idempotency_key": .text(maxLength: 128, nonEmpty: true),
            ]
            public init(memberID: MemberID, template: String, idempotencyKey: String) {
                self.memberID = memberID
                self.template = template
                self.idempotencyKey = idempotencyKey
            }
        }

        /// The coupon issued, the points it cost (spent, a positive number) and the balance after.
        public struct Result: RPCObject {
            public var code: String
            public var template: String
            public var memberID: MemberID
            public var points: Int64
            public var balance: Int64
            public var entryID: Int64
            public var expiresAt: String
            /// True when this answers a replay of the key (the first result).
            public var replayed: Bool
            public init(
                code: String, template: String, memberID: MemberID, points: Int64, balance: Int64, entryID: Int64, expiresAt: String, replayed: Bool
            ) {
                self.code = code
                self.template = template
                self.memberID = memberID
                self.points = points
                self.balance = balance
                self.entryID = entryID
                self.expiresAt = expiresAt
                self.replayed = replayed
            }
        }
    }
}
