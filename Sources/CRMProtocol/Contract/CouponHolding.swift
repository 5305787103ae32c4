extension RPC.Coupon {
    /// `coupon.issue`: one coupon to a member now, or the template to every member of a saved
    /// segment in committed batches (call again with the same key until `done`).
    public enum Issue: RPCMethod {
        public static let name = "coupon.issue"
        public static let summary = "Issues a template to a member, or to a saved segment a batch at a time; call again with the same key until done."

        public struct Params: RPCObject {
            public var template: String
            public var memberID: MemberID?
            public var segment: String?
            public var idempotencyKey: String
            /// Members per batch of a segment issue (default 1,000).
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = [
                "template": nameRule, "segment": .text(maxLength: 200, nonEmpty: true), "idempotency_key": keyRule, "limit": batchRule,
            ]
            public init(template: String, memberID: MemberID? = nil, segment: String? = nil, idempotencyKey: String, limit: Int? = nil) {
                self.template = template
                self.memberID = memberID
                self.segment = segment
                self.idempotencyKey = idempotencyKey
                self.limit = limit
            }

            public func validate() throws(RPCError) {
                guard (memberID == nil) != (segment == nil) else { throw .invalidParams("give member_id or segment, one of them", reason: .oneLookup) }
            }
        }

        /// The run so far: members gone through, coupons issued, members skipped (at their limit,
        /// or the budget ran out) out of `total`.
        public struct Result: RPCObject {
            public var runID: Int64
            public var template: String
            public var memberID: MemberID?
            public var segment: String?
            public var issued: Int64
            public var skipped: Int64
            public var members: Int64
            public var total: Int64
            public var done: Bool
            /// The code issued to the member (member issues).
            public var codes: [String]?
            public var replayed: Bool
            public init(
                runID: Int64, template: String, memberID: MemberID?, segment: String?, issued: Int64, skipped: Int64, members: Int64, total: Int64,
                done: Bool, codes: [String]?, replayed: Bool
            ) {
                self.runID = runID
                self.template = template
                self.memberID = memberID
                self.segment = segment
                self.issued = issued
                self.skipped = skipped
                self.members = members
                self.total = total
                self.done = done
                self.codes = codes
                self.replayed = replayed
            }
        }
    }

    /// A coupon as a member holds it.
    public struct Held: RPCObject {
        public var code: String
        public var template: String
        public var version: Int64
        @Present public var title: String?
        public var kind: String
        public var value: JSONValue
        public var minSpend: String
        public var status: String
        public var source: String
        @Present public var sourceRef: String?
        public var memberID: MemberID
        public var issuedAt: String
        public var validFrom: String
        public var expiresAt: String
        @Present public var redeemedAt: String?
        @Present public var shop: String?
        @Present public var orderNo: String?
        @Present public var discount: String?
        @Present public var endedAt: String?
        public init(
            code: String, template: String, version: Int64, title: String?, kind: String, value: JSONValue, minSpend: String, status: String,
            source: String, sourceRef: String?, memberID: MemberID, issuedAt: String, validFrom: String, expiresAt: String, redeemedAt: String?,
            shop: String?, orderNo: String?, discount: String?, endedAt: String?
        ) {
            self.code = code
            self.template = template
            self.version = version
            self.title = title
            self.kind = kind
            self.value = value
            self.minSpend = minSpend
            self.status = status
            self.source = source
            self.sourceRef = sourceRef
            self.memberID = memberID
            self.issuedAt = issuedAt
            self.validFrom = validFrom
            self.expiresAt = expiresAt
            self.redeemedAt = redeemedAt
            self.shop = shop
            self.orderNo = orderNo
            self.discount = discount
            self.endedAt = endedAt
        }
    }

    /// `coupon.list`: a member's coupons, newest first.
    public enum List: RPCMethod {
        public static let name = "coupon.list"
        public static let summary = "A member's coupons, newest first, optionally of one status, a page at a time."

        public struct Params: RPCObject {
            public var memberID: MemberID
            public var status: String?
            public var cursor: String?
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = [
                "status": .oneOf(["usable", "redeemed", "expired", "voided"], reason: .badStatus), "cursor": Page.cursorRule, "limit": Page.limitRule,
            ]
            public init(memberID: MemberID, status: String? = nil, cursor: String? = nil, limit: Int? = nil) {
                self.memberID = memberID
                self.status = status
                self.cursor = cursor
                self.limit = limit
            }
        }

        public struct Result: RPCObject {
            public var memberID: MemberID
            public var coupons: [Held]
            @Present public var nextCursor: String?
            public init(memberID: MemberID, coupons: [Held], nextCursor: String?) {
                self.memberID = memberID
                self.coupons = coupons
                self.nextCursor = nextCursor
            }
        }
    }

    /// `coupon.get`: one coupon by its code, with its life.
    public enum Get: RPCMethod {
        public static let name = "coupon.get"
        public static let summary = "One coupon by its code, with every event of its life."

        public struct Params: RPCObject {
            public var code: String
            public static let fieldRules: [String: FieldRule] = ["code": codeRule]
            public init(code: String) { self.code = code }
        }

        public struct Result: RPCObject {
            public var coupon: Held
            public var originMemberID: MemberID
            public var events: [Event]
            public init(coupon: Held, originMemberID: MemberID, events: [Event]) {
                self.coupon = coupon
                self.originMemberID = originMemberID
                self.events = events
            }
        }

        /// One event of a coupon's life (issue, redeem, release, expire, void, merge_move, unmerge_move).
        public struct Event: RPCObject {
            public var at: String
            public var kind: String
            public var memberID: MemberID
            public var actor: String
            @Present public var detail: JSONValue?
            public init(at: String, kind: String, memberID: MemberID, actor: String, detail: JSONValue?) {
                self.at = at
                self.kind = kind
                self.memberID = memberID
                self.actor = actor
                self.detail = detail
            }
        }
    }
}
