extension RPC.Tag {
    /// A tag rule as stored: `match` is what `tag.rule.add` was given.
    public struct Rule: RPCObject {
        public var id: Int64
        public var name: String
        public var tag: String
        public var match: JSONValue
        /// The last order id the rule was applied to by back-fill.
        public var backfilledThrough: Int64
        public var createdAt: String
        public var createdBy: String
        @Present public var disabledAt: String?
        public init(
            id: Int64, name: String, tag: String, match: JSONValue, backfilledThrough: Int64, createdAt: String, createdBy: String,
            disabledAt: String?
        ) {
            self.id = id
            self.name = name
            self.tag = tag
            self.match = match
            self.backfilledThrough = backfilledThrough
            self.createdAt = createdAt
            self.createdBy = createdBy
            self.disabledAt = disabledAt
        }
    }

    /// `tag.rule.add`: a rule that tags the member of every new paid order matching it.
    public enum RuleAdd: RPCMethod {
        public static let name = "tag.rule.add"
        public static let summary = "Adds a rule: every new paid order matching it tags its member."

        /// `match` is checked by crmd's rule reader, which names the condition at fault
        /// (`match.channels[1]`).
        public struct Params: RPCObject {
            public var name: String
            public var tag: String
            public var match: JSONValue
            public static let fieldRules: [String: FieldRule] = ["name": .text(maxLength: 100, nonEmpty: true), "tag": nameRule]
            public init(name: String, tag: String, match: JSONValue) {
                self.name = name
                self.tag = tag
                self.match = match
            }
        }

        public typealias Result = RPC.OneRule<Rule>
    }

    /// `tag.rule.list`: the tag rules in force (and, asked, the disabled ones).
    public enum RuleList: RPCMethod {
        public static let name = "tag.rule.list"
        public static let summary = "Lists the tag rules in force, and the disabled ones when asked."

        public typealias Params = RPC.RuleListParams
        public typealias Result = RPC.RuleList<Rule>
    }

    /// `tag.rule.disable`: stops a rule from tagging later orders; tags it gave stay.
    public enum RuleDisable: RPCMethod {
        public static let name = "tag.rule.disable"
        public static let summary = "Disables the tag rule of that name; the tags it gave stay."

        public typealias Params = RPC.RuleNameParams
        public typealias Result = RPC.OneRule<Disabled>
        /// The rule that was disabled.
        public typealias Disabled = RPC.DisabledRule
    }

    /// `tag.rule.backfill`: applies a rule to the next batch of past orders.
    public enum RuleBackfill: RPCMethod {
        public static let name = "tag.rule.backfill"
        public static let summary = "Applies a tag rule to the next batch of past paid orders; call again until done."

        public struct Params: RPCObject {
            public var name: String
            /// Orders per batch (default 10,000).
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = ["name": .text(maxLength: 100), "limit": .integer(1...100_000)]
            public init(name: String, limit: Int? = nil) {
                self.name = name
                self.limit = limit
            }
        }

        public struct Result: RPCObject {
            public var orders: Int64
            public var tagged: Int64
            /// The last order id the rule has now been applied to.
            public var through: Int64
            public var lastOrder: Int64
            public var done: Bool
            public init(orders: Int64, tagged: Int64, through: Int64, lastOrder: Int64, done: Bool) {
                self.orders = orders
                self.tagged = tagged
                self.through = through
                self.lastOrder = lastOrder
                self.done = done
            }
        }
    }
}
