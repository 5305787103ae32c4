import CRMDomain

extension RPC.Campaign {
    /// `campaign.touches`: who was touched or held out on each occasion, with what; personal data
    /// masked for masked roles, as `segment.export` masks it.
    public enum Touches: RPCMethod {
        public static let name = "campaign.touches"
        public static let summary =
            "Lists a campaign's touches by occasion and member, a page at a time (of one occasion or status when given); personal data masked for analysts."

        public struct Params: RPCObject {
            public var name: String
            public var occasion: Int64?
            public var status: String?
            public var cursor: String?
            /// Rows per page (default 1,000).
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = [
                "name": nameRule, "occasion": .integer(1...1_000_000), "status": .oneOf(touchStatuses, reason: .badStatus),
                "cursor": Page.cursorRule, "limit": .integer(1...10_000),
            ]
            public init(name: String, occasion: Int64? = nil, status: String? = nil, cursor: String? = nil, limit: Int? = nil) {
                self.name = name
                self.occasion = occasion
                self.status = status
                self.cursor = cursor
                self.limit = limit
            }
        }

        public struct Result: RPCObject {
            public var touches: [Touch]
            @Present public var nextCursor: String?
            public init(touches: [Touch], nextCursor: String?) {
                self.touches = touches
                self.nextCursor = nextCursor
            }
        }
    }

    /// One touch: the member, their arm, what was recorded and given.
    public struct Touch: RPCObject {
        public var occasion: Int64
        public var memberID: MemberID
        public var arm: String
        public var status: String
        public var at: String
        @Present public var entry: String?
        @Present public var coupon: String?
        @Present public var noticeID: Int64?
        @Present public var name: String?
        @Present public var phone: String?
        @Present public var email: String?
        public init(
            occasion: Int64, memberID: MemberID, arm: String, status: String, at: String, entry: String?, coupon: String?, noticeID: Int64?,
            name: String?, phone: String?, email: String?
        ) {
            self.occasion = occasion
            self.memberID = memberID
            self.arm = arm
            self.status = status
            self.at = at
            self.entry = entry
            self.coupon = coupon
            self.noticeID = noticeID
            self.name = name
            self.phone = phone
            self.email = email
        }
    }
}
