extension RPC {
    /// The points ledger: balances, history, spending, adjustments, expiry, accrual rules.
    public enum Points {
        public static let methods: [any RPCMethod.Type] = [
            Get.self, History.self, Redeem.self, Adjust.self, Expire.self, Expiring.self, RuleAdd.self, RuleList.self,
            RuleDisable.self, Verify.self,
        ]
        /// The most points one redemption or adjustment moves.
        public static let maxPoints: Int64 = 1_000_000_000
        static let keyRule = FieldRule.text(maxLength: 128, nonEmpty: true)
        static let reasonRule = FieldRule.text(maxLength: 500)
    }
}

extension RPC.Points {
    /// `points.get`: a member's balance and the lots that make it up.
    public enum Get: RPCMethod {
        public static let name = "points.get"
        public static let summary = "A member's spendable and pending points and the lots with points left, oldest expiry first."

        public typealias Params = RPC.MemberRef

        public struct Result: RPCObject {
            public var memberID: MemberID
            public var balance: Int64
            public var pending: Int64
            public var debt: Int64
            public var lots: [Lot]
            public init(memberID: MemberID, balance: Int64, pending: Int64, debt: Int64, lots: [Lot]) {
                self.memberID = memberID
                self.balance = balance
                self.pending = pending
                self.debt = debt
                self.lots = lots
            }
        }

        /// Points earned together, spent and expiring together.
        public struct Lot: RPCObject {
            public var id: Int64
            public var earnedAt: String
            public var availableAt: String
            @Present public var expiresAt: String?
            public var amount: Int64
            public var remaining: Int64
            public var pending: Bool
            public init(id: Int64, earnedAt: String, availableAt: String, expiresAt: String?, amount: Int64, remaining: Int64, pending: Bool) {
                self.id = id
                self.earnedAt = earnedAt
                self.availableAt = availableAt
                self.expiresAt = expiresAt
                self.amount = amount
                self.remaining = remaining
                self.pending = pending
            }
        }
    }

    /// `points.history`: a member's ledger entries, newest first.
    public enum History: RPCMethod {
        public static let name = "points.history"
        public static let summary = "A member's ledger entries, newest first, a page at a time."

        public typealias Params = Page.MemberParams
        public typealias Result = RPC.MemberEntries<Entry>

        /// One ledger entry: what moved, why, and who moved it.
        public struct Entry: RPCObject {
            public var id: Int64
            public var at: String
            public var kind: String
            public var points: Int64
            public var order: OrderRef?
            public var refundNo: String?
            /// How an earning was computed (earn entries).
            public var explanation: JSONValue?
            /// What a reversal could not take back (reverse entries).
            public var shortfall: Int64?
            /// Anything else recorded with the entry (all but earn entries).
            public var detail: JSONValue?
            public var actor: String
            public var reason: String?
            public var idempotencyKey: String?
            public var runID: Int64?
            public var mergeID: Int64?
            public init(
                id: Int64, at: String, kind: String, points: Int64, order: OrderRef? = nil, refundNo: String? = nil,
                explanation: JSONValue? = nil, shortfall: Int64? = nil, detail: JSONValue? = nil, actor: String,
                reason: String? = nil, idempotencyKey: String? = nil, runID: Int64? = nil, mergeID: Int64? = nil
            ) {
                self.id = id
                self.at = at
                self.kind = kind
                self.points = points
                self.order = order
                self.refundNo = refundNo
                self.explanation = explanation
                self.shortfall = shortfall
                self.detail = detail
                self.actor = actor
                self.reason = reason
                self.idempotencyKey = idempotencyKey
                self.runID = runID
                self.mergeID = mergeID
            }
        }

        /// The order an entry belongs to.
        public struct OrderRef: RPCObject {
            public var shop: String
            public var channel: String
            public var orderNo: String
            public init(shop: String, channel: String, orderNo: String) {
                self.shop = shop
                self.channel = channel
                self.orderNo = orderNo
            }
        }
    }

    /// What a redemption or an adjustment did.
    public struct Change: RPCObject {
        public var entryID: Int64
        public var memberID: MemberID
        public var points: Int64
        public var balance: Int64
        public var replayed: Bool
        public init(entryID: Int64, memberID: MemberID, points: Int64, balance: Int64, replayed: Bool) {
            self.entryID = entryID
            self.memberID = memberID
            self.points = points
            self.balance = balance
            self.replayed = replayed
        }
    }

    /// `points.redeem`: spends (or donates) points, once per idempotency key.
    public enum Redeem: RPCMethod {
        public static let name = "points.redeem"
        public static let summary = "Spends or donates a member's points, oldest expiry first, once per idempotency key."
        public typealias Result = Change

        public struct Params: RPCObject {
            public var memberID: MemberID
            public var points: Int64
            public var idempotencyKey: String
            public var reason: String
            /// `spend` (the default) or `donate`.
            public var kind: String?
            /// What a donation goes to.
            public var project: String?
            public static let fieldRules: [String: FieldRule] = [
                "points": .integer(1...maxPoints), "idempotency_key": keyRule, "reason": reasonRule,
                "kind": .oneOf(["spend", "donate"], reason: .badKind), "project": .text(maxLength: 200),
            ]
            public init(memberID: MemberID, points: Int64, idempotencyKey: String, reason: String, kind: String? = nil, project: String? = nil) {
                self.memberID = memberID
                self.points = points
                self.idempotencyKey = idempotencyKey
                self.reason = reason
                self.kind = kind
                self.project = project
            }

            public func validate() throws(RPCError) {
                if project != nil && kind != "donate" { throw .invalidParams("project is for donations", field: "project", reason: .badKind) }
            }
        }
    }

    /// `points.adjust`: credits or debits points by hand, once per idempotency key.
    public enum Adjust: RPCMethod {
        public static let name = "points.adjust"
        public static let summary = "Credits (positive) or debits (negative) a member's points by hand, once per idempotency key."
        public typealias Result = Change

        public struct Params: RPCObject {
            public var memberID: MemberID
            public var points: Int64
            public var idempotencyKey: String
            public var reason: String
            public static let fieldRules: [String: FieldRule] = [
                "points": .integer(-maxPoints...maxPoints), "idempotency_key": keyRule, "reason": reasonRule,
            ]
            public init(memberID: MemberID, points: Int64, idempotencyKey: String, reason: String) {
                self.memberID = memberID
                self.points = points
                self.idempotencyKey = idempotencyKey
                self.reason = reason
            }

            public func validate() throws(RPCError) {
                if points == 0 { throw .invalidParams("points must not be zero", field: "points", reason: .outOfRange) }
            }
        }
    }
}
