extension RPC {
    /// Tags: their definitions, members' tags, and the rules that tag the members of paid orders.
    public enum Tag {
        public static let methods: [any RPCMethod.Type] = [
            Define.self, List.self, Add.self, Remove.self, Get.self, RuleAdd.self, RuleList.self, RuleDisable.self, RuleBackfill.self,
        ]
        /// A tag name as sent; crmd trims it and refuses one that is empty, over 64 characters or
        /// holds a control character (`bad_name`).
        static let nameRule = FieldRule.text(maxLength: 100)
        static let groupRule = FieldRule.text(maxLength: 64)
    }
}

extension RPC.Tag {
    /// A defined tag and how many members carry it.
    public struct Definition: RPCObject {
        public var name: String
        @Present public var group: String?
        @Present public var description: String?
        public var members: Int64
        public var createdAt: String
        public init(name: String, group: String?, description: String?, members: Int64, createdAt: String) {
            self.name = name
            self.group = group
            self.description = description
            self.members = members
            self.createdAt = createdAt
        }
    }

    /// `tag.define`: creates a tag, or changes its group and description.
    public enum Define: RPCMethod {
        public static let name = "tag.define"
        public static let summary = "Creates a tag, or changes the group and description of the tag of that name."

        public struct Params: RPCObject {
            public var name: String
            /// Trimmed; empty means no group.
            public var group: String?
            public var description: String?
            public static let fieldRules: [String: FieldRule] = ["name": nameRule, "group": groupRule, "description": .text(maxLength: 500)]
            public init(name: String, group: String? = nil, description: String? = nil) {
                self.name = name
                self.group = group
                self.description = description
            }
        }

        public struct Result: RPCObject {
            public var tag: Definition
            public init(tag: Definition) { self.tag = tag }
        }
    }

    /// `tag.list`: the defined tags by name, a page at a time.
    public enum List: RPCMethod {
        public static let name = "tag.list"
        public static let summary = "Lists the defined tags (of one group, if given) by name, with how many members carry each, a page at a time."

        public struct Params: RPCObject {
            public var group: String?
            public var cursor: String?
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = ["group": groupRule, "cursor": Page.cursorRule, "limit": Page.limitRule]
            public init(group: String? = nil, cursor: String? = nil, limit: Int? = nil) {
                self.group = group
                self.cursor = cursor
                self.limit = limit
            }
        }

        public struct Result: RPCObject {
            public var tags: [Definition]
            @Present public var nextCursor: String?
            public init(tags: [Definition], nextCursor: String?) {
                self.tags = tags
                self.nextCursor = nextCursor
            }
        }
    }

    /// `tag.add`: puts a defined tag on a member by hand.
    public enum Add: RPCMethod {
        public static let name = "tag.add"
        public static let summary = "Puts a defined tag on a member by hand."

        public struct Params: RPCObject {
            public var memberID: MemberID
            public var tag: String
            public static let fieldRules: [String: FieldRule] = ["tag": nameRule]
            public init(memberID: MemberID, tag: String) {
                self.memberID = memberID
                self.tag = tag
            }
        }

        public struct Result: RPCObject {
            public var memberID: MemberID
            /// False when the member already carried the tag by hand.
            public var added: Bool
            public init(memberID: MemberID, added: Bool) {
                self.memberID = memberID
                self.added = added
            }
        }
    }

    /// `tag.remove`: takes a tag off a member, every source of it or only one.
    public enum Remove: RPCMethod {
        public static let name = "tag.remove"
        public static let summary = "Takes a tag off a member: every source of it, or only the source given."

        public struct Params: RPCObject {
            public var memberID: MemberID
            public var tag: String
            /// Only this source: `manual`, `attribute`, `segment` or `rule`.
            public var source: String?
            public static let fieldRules: [String: FieldRule] = [
                "tag": nameRule, "source": .oneOf(["manual", "attribute", "segment", "rule"], reason: .badSource),
            ]
            public init(memberID: MemberID, tag: String, source: String? = nil) {
                self.memberID = memberID
                self.tag = tag
                self.source = source
            }
        }

        public struct Result: RPCObject {
            public var memberID: MemberID
            /// How many sources of the tag were taken off.
            public var removed: Int64
            public init(memberID: MemberID, removed: Int64) {
                self.memberID = memberID
                self.removed = removed
            }
        }
    }

    /// `tag.get`: a member's tags and where each came from.
    public enum Get: RPCMethod {
        public static let name = "tag.get"
        public static let summary = "A member's tags, each with every source it came from."

        public typealias Params = RPC.MemberRef

        public struct Result: RPCObject {
            public var memberID: MemberID
            public var tags: [MemberTag]
            public init(memberID: MemberID, tags: [MemberTag]) {
                self.memberID = memberID
                self.tags = tags
            }
        }

        /// One tag a member carries.
        public struct MemberTag: RPCObject {
            public var name: String
            @Present public var group: String?
            public var sources: [Origin]
            public init(name: String, group: String?, sources: [Origin]) {
                self.name = name
                self.group = group
                self.sources = sources
            }
        }

        /// One source of a member's tag: by hand, from an account's attribute, a segment or a rule.
        public struct Origin: RPCObject {
            /// `manual`, `attribute`, `segment` or `rule`.
            public var source: String
            public var actor: String
            public var at: String
            public var accountID: Int64?
            public var rule: String?
            public var segment: String?
            public init(source: String, actor: String, at: String, accountID: Int64? = nil, rule: String? = nil, segment: String? = nil) {
                self.source = source
                self.actor = actor
                self.at = at
                self.accountID = accountID
                self.rule = rule
                self.segment = segment
            }
        }
    }
}
