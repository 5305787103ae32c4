extension RPC.Points {
    /// `points.expire`: one batch of an expiry run.
    public enum Expire: RPCMethod {
        public static let name = "points.expire"
        public static let summary = "Expires the due points of one batch of members; call again with run_id until done."

        public struct Params: RPCObject {
            public var asOf: String
            public var limit: Int?
            public var runID: Int64?
            public var dryRun: Bool?
            public static let fieldRules: [String: FieldRule] = [
                "as_of": .date, "limit": .integer(1...10_000), "run_id": .integer(1...Int64.max),
            ]
            public init(asOf: String, limit: Int? = nil, runID: Int64? = nil, dryRun: Bool? = nil) {
                self.asOf = asOf
                self.limit = limit
                self.runID = runID
                self.dryRun = dryRun
            }
        }

        public struct Result: RPCObject {
            @Present public var runID: Int64?
            public var members: Int64
            public var lots: Int64
            public var points: Int64
            public var done: Bool
            /// The whole run's totals as recorded with this batch (absent in a dry run).
            public var run: Totals?
            public init(runID: Int64?, members: Int64, lots: Int64, points: Int64, done: Bool, run: Totals?) {
                self.runID = runID
                self.members = members
                self.lots = lots
                self.points = points
                self.done = done
                self.run = run
            }
        }

        /// Members, lots and points expired.
        public struct Totals: RPCObject {
            public var members: Int64
            public var lots: Int64
            public var points: Int64
            public init(members: Int64, lots: Int64, points: Int64) {
                self.members = members
                self.lots = lots
                self.points = points
            }
        }
    }

    /// `points.expiring`: members whose points expire soon (the warning list).
    public enum Expiring: RPCMethod {
        public static let name = "points.expiring"
        public static let summary = "Members with points expiring within the next days, a page at a time."

        public struct Params: RPCObject {
            public var withinDays: Int
            public var asOf: String?
            public var cursor: String?
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = [
                "within_days": .integer(1...3_650), "as_of": .date, "cursor": Page.cursorRule, "limit": Page.limitRule,
            ]
            public init(withinDays: Int, asOf: String? = nil, cursor: String? = nil, limit: Int? = nil) {
                self.withinDays = withinDays
                self.asOf = asOf
                self.cursor = cursor
                self.limit = limit
            }
        }

        public struct Result: RPCObject {
            public var asOf: String
            public var members: [Member]
            @Present public var nextCursor: String?
            public init(asOf: String, members: [Member], nextCursor: String?) {
                self.asOf = asOf
                self.members = members
                self.nextCursor = nextCursor
            }
        }

        /// A member to warn, with what expires when (contact fields masked for the analyst).
        public struct Member: RPCObject {
            public var memberID: MemberID
            @Present public var name: String?
            @Present public var phone: String?
            @Present public var email: String?
            public var balance: Int64
            public var expiringPoints: Int64
            public var firstExpiry: String
            public var expiring: [Day]
            public init(
                memberID: MemberID, name: String?, phone: String?, email: String?, balance: Int64, expiringPoints: Int64,
                firstExpiry: String, expiring: [Day]
            ) {
                self.memberID = memberID
                self.name = name
                self.phone = phone
                self.email = email
                self.balance = balance
                self.expiringPoints = expiringPoints
                self.firstExpiry = firstExpiry
                self.expiring = expiring
            }
        }

        /// Points expiring on one day.
        public struct Day: RPCObject {
            public var date: String
            public var points: Int64
            public init(date: String, points: Int64) {
                self.date = date
                self.points = points
            }
        }
    }

    /// `points.verify`: checks the ledger's invariants.
    public enum Verify: RPCMethod {
        public static let name = "points.verify"
        public static let summary = "Checks the points ledger's invariants and returns its totals."
        public typealias Params = NoParams

        public struct Result: RPCObject {
            public var ok: Bool
            public var checks: [Check]
            public var totals: Totals
            /// The coupon books (their checks are among `checks`).
            public var coupons: RPC.Coupon.Totals?
            public init(ok: Bool, checks: [Check], totals: Totals, coupons: RPC.Coupon.Totals? = nil) {
                self.ok = ok
                self.checks = checks
                self.totals = totals
                self.coupons = coupons
            }
        }

        /// One invariant and whether it holds.
        public struct Check: RPCObject {
            public var name: String
            public var ok: Bool
            public var violations: Int64
            public var examples: [String]
            public init(name: String, ok: Bool, violations: Int64, examples: [String]) {
                self.name = name
                self.ok = ok
                self.violations = violations
                self.examples = examples
            }
        }

        /// Points by what happened to them.
        public struct Totals: RPCObject {
            public var issued: Int64
            public var spent: Int64
            public var donated: Int64
            public var expired: Int64
            public var reversed: Int64
            public var adjustedOut: Int64
            public var outstanding: Int64
            public var debt: Int64
            public init(issued: Int64, spent: Int64, donated: Int64, expired: Int64, reversed: Int64, adjustedOut: Int64, outstanding: Int64, debt: Int64) {
                self.issued = issued
                self.spent = spent
                self.donated = donated
                self.expired = expired
                self.reversed = reversed
                self.adjustedOut = adjustedOut
                self.outstanding = outstanding
                self.debt = debt
            }
        }
    }
}
