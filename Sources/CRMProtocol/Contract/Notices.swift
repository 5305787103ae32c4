extension RPC {
    /// Member notices (docs/notices.md): the outbox a messaging gateway pulls and acknowledges, and
    /// the daily scan that writes the warnings of points and coupons about to expire.
    public enum Notice {
        public static let methods: [any RPCMethod.Type] = [Pull.self, Ack.self, Scan.self]

        /// Most notices one pull answers.
        public static let maxPull = 1_000

        /// `notice.pull`: the next notices for the calling reader (the token's name), in order.
        public enum Pull: RPCMethod {
            public static let name = "notice.pull"
            public static let summary = "The notices after a position (default: what this reader acknowledged), in id order; at least once."

            public struct Params: RPCObject {
                /// Answer notices with ids above this (default: the reader's acknowledged position).
                public var after: Int64?
                public var limit: Int?
                public static let fieldRules: [String: FieldRule] = ["after": .integer(0...Int64.max), "limit": .integer(1...Int64(maxPull))]
                public init(after: Int64? = nil, limit: Int? = nil) {
                    self.after = after
                    self.limit = limit
                }
            }

            public struct Result: RPCObject {
                /// Who is reading: the calling token's name.
                public var reader: String
                /// How far this reader has acknowledged.
                public var acknowledged: Int64
                public var notices: [Item]
                public init(reader: String, acknowledged: Int64, notices: [Item]) {
                    self.reader = reader
                    self.acknowledged = acknowledged
                    self.notices = notices
                }
            }
        }

        /// `notice.ack`: the reader has taken every notice up to and including `through`.
        public enum Ack: RPCMethod {
            public static let name = "notice.ack"
            public static let summary = "Records that the calling reader took every notice through an id; a position never moves back."

            public struct Params: RPCObject {
                public var through: Int64
                public static let fieldRules: [String: FieldRule] = ["through": .integer(0...Int64.max)]
                public init(through: Int64) { self.through = through }
            }

            public struct Result: RPCObject {
                public var reader: String
                /// The reader's position now (an acknowledgement below it leaves it where it was).
                public var through: Int64
                public init(reader: String, through: Int64) {
                    self.reader = reader
                    self.through = through
                }
            }
        }

        /// `notice.scan`: one batch of the daily warnings (points and coupons about to expire).
        public enum Scan: RPCMethod {
            public static let name = "notice.scan"
            public static let summary = "Writes the notices of points and coupons about to expire, once per cause; call again with next_cursor until done."

            public struct Params: RPCObject {
                public var asOf: String?
                /// Points expiring within this many days after `as_of` are warned of (default 30).
                public var withinDays: Int?
                /// Usable coupons expiring within this many days after `as_of` are warned of (default 3).
                public var couponWithinDays: Int?
                public var limit: Int?
                public var cursor: String?
                public static let fieldRules: [String: FieldRule] = [
                    "as_of": .date, "within_days": .integer(1...365), "coupon_within_days": .integer(1...365), "limit": .integer(1...10_000),
                    "cursor": Page.cursorRule,
                ]
                public init(asOf: String? = nil, withinDays: Int? = nil, couponWithinDays: Int? = nil, limit: Int? = nil, cursor: String? = nil) {
                    self.asOf = asOf
                    self.withinDays = withinDays
                    self.couponWithinDays = couponWithinDays
                    self.limit = limit
                    self.cursor = cursor
                }
            }

            public struct Result: RPCObject {
                public var asOf: String
                /// Notices this batch wrote (a cause already told is not told again).
                public var pointsExpiring: Int64
                public var couponExpiring: Int64
                /// Members (points) or coupons this batch looked at.
                public var scanned: Int64
                public var done: Bool
                @Present public var nextCursor: String?
                public init(asOf: String, pointsExpiring: Int64, couponExpiring: Int64, scanned: Int64, done: Bool, nextCursor: String?) {
                    self.asOf = asOf
                    self.pointsExpiring = pointsExpiring
                    self.couponExpiring = couponExpiring
                    self.scanned = scanned
                    self.done = done
                    self.nextCursor = nextCursor
                }
            }
        }
    }
}
