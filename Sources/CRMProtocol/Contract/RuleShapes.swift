// The accrual rules (`points.rule.*`) and the tag rules (`tag.rule.*`) are kept alike: added by
// name, listed with or without the disabled ones, disabled by name. Their params and results are
// written once here, generic over the group's own `Rule`.

extension RPC {
    /// `*.rule.list` params: the rules in force, and the disabled ones when asked.
    public struct RuleListParams: RPCObject {
        public var includeDisabled: Bool?
        public init(includeDisabled: Bool? = nil) { self.includeDisabled = includeDisabled }
    }

    /// `*.rule.disable` params: the rule of that name.
    public struct RuleNameParams: RPCObject {
        public var name: String
        public static let fieldRules: [String: FieldRule] = ["name": .text(maxLength: 100)]
        public init(name: String) { self.name = name }
    }

    /// One rule: the one `*.rule.add` stored, or the one `*.rule.disable` disabled.
    public struct OneRule<Rule: RPCObject>: RPCObject {
        public var rule: Rule
        public init(rule: Rule) { self.rule = rule }
    }

    /// The rules `*.rule.list` lists.
    public struct RuleList<Rule: RPCObject>: RPCObject {
        public var rules: [Rule]
        public init(rules: [Rule]) { self.rules = rules }
    }

    /// The rule that `*.rule.disable` disabled.
    public struct DisabledRule: RPCObject {
        public var id: Int64
        public var name: String
        public init(id: Int64, name: String) {
            self.id = id
            self.name = name
        }
    }
}
