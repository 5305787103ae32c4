extension RPC.Points {
    /// An accrual rule as stored: its definition is what `points.rule.add` was given.
    public struct Rule: RPCObject {
        public var id: Int64
        public var name: String
        public var version: Int64
        public var definition: JSONValue
        public var createdAt: String
        public var createdBy: String
        @Present public var disabledAt: String?
        public init(id: Int64, name: String, version: Int64, definition: JSONValue, createdAt: String, createdBy: String, disabledAt: String?) {
            self.id = id
            self.name = name
            self.version = version
            self.definition = definition
            self.createdAt = createdAt
            self.createdBy = createdBy
            self.disabledAt = disabledAt
        }
    }

    /// `points.rule.add`: a new accrual rule, or a new version of one with the same name.
    public enum RuleAdd: RPCMethod {
        public static let name = "points.rule.add"
        public static let summary = "Adds an accrual rule (or a new version of the rule of that name)."

        /// The rule's parts are checked together by the rules engine, which names the part at fault.
        public struct Params: RPCObject {
            public var name: String
            public var multiplierPercent: JSONValue?
            public var bonus: JSONValue?
            public var match: JSONValue?
            public var capPerOrder: JSONValue?
            public var capPerMemberPerDay: JSONValue?
            public static let fieldRules: [String: FieldRule] = ["name": .text(maxLength: 100, nonEmpty: true)]
            public init(
                name: String, multiplierPercent: JSONValue? = nil, bonus: JSONValue? = nil, match: JSONValue? = nil,
                capPerOrder: JSONValue? = nil, capPerMemberPerDay: JSONValue? = nil
            ) {
                self.name = name
                self.multiplierPercent = multiplierPercent
                self.bonus = bonus
                self.match = match
                self.capPerOrder = capPerOrder
                self.capPerMemberPerDay = capPerMemberPerDay
            }
        }

        public typealias Result = RPC.OneRule<Rule>
    }

    /// `points.rule.list`: the accrual rules in force (and, asked, the disabled ones).
    public enum RuleList: RPCMethod {
        public static let name = "points.rule.list"
        public static let summary = "Lists the accrual rules in force, and the disabled ones when asked."

        public typealias Params = RPC.RuleListParams
        public typealias Result = RPC.RuleList<Rule>
    }

    /// `points.rule.disable`: stops a rule from earning points on later orders.
    public enum RuleDisable: RPCMethod {
        public static let name = "points.rule.disable"
        public static let summary = "Disables the accrual rule of that name for orders paid from now on."

        public typealias Params = RPC.RuleNameParams
        public typealias Result = RPC.OneRule<Disabled>
        /// The rule that was disabled.
        public typealias Disabled = RPC.DisabledRule
    }
}
