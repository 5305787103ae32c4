extension RPC {
    /// Member levels: a member's standing, setting it by hand, the nightly evaluation, the ladder.
    public enum Level {
        public static let methods: [any RPCMethod.Type] = [Get.self, Set.self, Evaluate.self, RulesGet.self, RulesSet.self]

        /// A level as results name it: its code and its display name.
        public struct Ref: RPCObject, Equatable {
            public var code: String
            public var name: String
            public init(code: String, name: String) {
                self.code = code
                self.name = name
            }
        }
    }
}

extension RPC.Level {
    /// `level.get`: a member's level, what it qualifies for, and how it got there.
    public enum Get: RPCMethod {
        public static let name = "level.get"
        public static let summary = "A member's level, the level its spend and orders qualify for, and its level history."

        public typealias Params = RPC.MemberRef

        public struct Result: RPCObject {
            public var memberID: MemberID
            public var level: Ref
            @Present public var since: String?
            /// Set by an operator: evaluation never lowers the member below it.
            public var manual: Bool
            /// When an evaluation first found the member below their level (the grace period runs from it).
            @Present public var belowSince: String?
            public var qualifies: Ref
            public var spendFen: Int64
            public var orders: Int64
            public var history: [Change]
            public init(
                memberID: MemberID, level: Ref, since: String?, manual: Bool, belowSince: String?, qualifies: Ref, spendFen: Int64,
                orders: Int64, history: [Change]
            ) {
                self.memberID = memberID
                self.level = level
                self.since = since
                self.manual = manual
                self.belowSince = belowSince
                self.qualifies = qualifies
                self.spendFen = spendFen
                self.orders = orders
                self.history = history
            }
        }

        /// One change of the member's level.
        public struct Change: RPCObject {
            public var at: String
            /// The level code before (`null` for the first).
            @Present public var from: String?
            public var to: String
            public var reason: String
            public var actor: String
            public init(at: String, from: String?, to: String, reason: String, actor: String) {
                self.at = at
                self.from = from
                self.to = to
                self.reason = reason
                self.actor = actor
            }
        }
    }

    /// `level.set`: sets a member's level by hand (audited).
    public enum Set: RPCMethod {
        public static let name = "level.set"
        public static let summary = "Sets a member's level by hand; evaluation may raise the member but never lowers it below this."

        public struct Params: RPCObject {
            public var memberID: MemberID
            public var level: String
            public var reason: String
            public static let fieldRules: [String: FieldRule] = ["level": .text(maxLength: 32), "reason": .text(maxLength: 500)]
            public init(memberID: MemberID, level: String, reason: String) {
                self.memberID = memberID
                self.level = level
                self.reason = reason
            }
        }

        public struct Result: RPCObject {
            public var memberID: MemberID
            public var level: Ref
            public init(memberID: MemberID, level: Ref) {
                self.memberID = memberID
                self.level = level
            }
        }
    }

    /// `level.evaluate`: re-evaluates every member's level as of a day.
    public enum Evaluate: RPCMethod {
        public static let name = "level.evaluate"
        public static let summary = "Re-evaluates every member's level as of a day: raises at once, lowers after the grace period."

        public struct Params: RPCObject {
            public var asOf: String
            public var dryRun: Bool?
            public static let fieldRules: [String: FieldRule] = ["as_of": .date]
            public init(asOf: String, dryRun: Bool? = nil) {
                self.asOf = asOf
                self.dryRun = dryRun
            }
        }

        public struct Result: RPCObject {
            public var members: Int64
            public var raised: Int64
            public var lowered: Int64
            /// Members below their level, still within the grace period.
            public var pendingDrop: Int64
            public init(members: Int64, raised: Int64, lowered: Int64, pendingDrop: Int64) {
                self.members = members
                self.raised = raised
                self.lowered = lowered
                self.pendingDrop = pendingDrop
            }
        }
    }

    /// The level ladder as `level.rules.get|set` return it (and as it is stored).
    public struct Ladder: RPCObject {
        /// `cumulative` or `rolling`.
        public var basis: String
        public var windowMonths: Int64
        public var graceDays: Int64
        public var levels: [Step]
        public init(basis: String, windowMonths: Int64, graceDays: Int64, levels: [Step]) {
            self.basis = basis
            self.windowMonths = windowMonths
            self.graceDays = graceDays
            self.levels = levels
        }

        /// One level of the ladder and what it takes.
        public struct Step: RPCObject {
            public var code: String
            public var name: String
            /// Yuan, as text (`"1000.00"`).
            public var minSpend: String
            public var minOrders: Int64
            public var pricePercent: Int64
            public var pointsMultiplierPercent: Int64
            /// What else the level gives (docs/benefits.md).
            public var benefits: [RPC.Benefit.Entry]
            public init(
                code: String, name: String, minSpend: String, minOrders: Int64, pricePercent: Int64, pointsMultiplierPercent: Int64,
                benefits: [RPC.Benefit.Entry] = []
            ) {
                self.code = code
                self.name = name
                self.minSpend = minSpend
                self.minOrders = minOrders
                self.pricePercent = pricePercent
                self.pointsMultiplierPercent = pointsMultiplierPercent
                self.benefits = benefits
            }
        }
    }

    /// `level.rules.get`: the ladder in force.
    public enum RulesGet: RPCMethod {
        public static let name = "level.rules.get"
        public static let summary = "The level ladder in force (the defaults when never set)."
        public typealias Params = NoParams
        public typealias Result = Ladder
    }

    /// `level.rules.set`: replaces the ladder (admin; audited); members move to the levels it gives them.
    public enum RulesSet: RPCMethod {
        public static let name = "level.rules.set"
        public static let summary = "Replaces the level ladder; returns it as stored."
        public typealias Result = Ladder

        /// The ladder is checked as a whole by the ladder's parser, which names the part at fault.
        public struct Params: RPCObject {
            public var value: JSONValue
            public init(value: JSONValue) { self.value = value }
        }
    }
}
