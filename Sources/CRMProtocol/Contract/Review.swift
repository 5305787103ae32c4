extension RPC {
    /// The review queue: likely matches waiting for an operator's decision, and guards that fired.
    public enum Review {
        public static let methods: [any RPCMethod.Type] = [List.self, Decide.self]
    }
}

extension RPC.Review {
    /// `review.list`: review items of one type and status, oldest first.
    public enum List: RPCMethod {
        public static let name = "review.list"
        public static let summary = "Likely matches (type match) or guards that fired (type guard), by status, a page at a time."

        public struct Params: RPCObject {
            /// `match` (the default) or `guard`.
            public var type: String?
            /// `open` (the default), `merged`, `separated` or `obsolete`.
            public var status: String?
            public var cursor: String?
            public var limit: Int?
            public static let fieldRules: [String: FieldRule] = [
                "type": .oneOf(["match", "guard"], reason: .badType),
                "status": .oneOf(["open", "merged", "separated", "obsolete"], reason: .badStatus),
                "cursor": Page.cursorRule, "limit": Page.limitRule,
            ]
            public init(type: String? = nil, status: String? = nil, cursor: String? = nil, limit: Int? = nil) {
                self.type = type
                self.status = status
                self.cursor = cursor
                self.limit = limit
            }
        }

        public struct Result: RPCObject {
            public var items: [Item]
            @Present public var nextCursor: String?
            public init(items: [Item], nextCursor: String?) {
                self.items = items
                self.nextCursor = nextCursor
            }
        }

        /// One review item: a match carries `member_ids`, `score` and `evidence`; a guard `guard`.
        public struct Item: RPCObject {
            public var id: Int64
            public var type: String
            public var status: String
            public var createdAt: String
            /// The two members of a match.
            public var memberIDs: [MemberID]?
            /// How alike the two members of a match are (0–1).
            public var score: Double?
            /// What fired, on which key value (guards; the value masked for masked roles).
            public var `guard`: JSONValue?
            /// The fields compared and why the match was held back (matches).
            public var evidence: JSONValue?
            public init(
                id: Int64, type: String, status: String, createdAt: String, memberIDs: [MemberID]? = nil, score: Double? = nil,
                guard: JSONValue? = nil, evidence: JSONValue? = nil
            ) {
                self.id = id
                self.type = type
                self.status = status
                self.createdAt = createdAt
                self.memberIDs = memberIDs
                self.score = score
                self.guard = `guard`
                self.evidence = evidence
            }

            /// Spelled out for `member_ids` alone: `WireName` reads a plural `IDs` as two words.
            enum CodingKeys: String, CodingKey {
                case id, type, status, createdAt, memberIDs = "member_ids", score, `guard`, evidence
            }
        }
    }

    /// `review.decide`: merges the two members of an item, or marks them as separate people.
    public enum Decide: RPCMethod {
        public static let name = "review.decide"
        public static let summary = "Merges the two members of a review item, or marks them as separate people; audited."

        public struct Params: RPCObject {
            public var id: Int64
            /// `merge` or `separate`.
            public var decision: String
            public var reason: String?
            public static let fieldRules: [String: FieldRule] = [
                "id": .integer(1...Int64.max), "decision": .oneOf(["merge", "separate"], reason: .badDecision), "reason": .text(maxLength: 500),
            ]
            public init(id: Int64, decision: String, reason: String? = nil) {
                self.id = id
                self.decision = decision
                self.reason = reason
            }
        }

        public struct Result: RPCObject {
            public var id: Int64
            public var status: String
            /// The surviving member, when merged.
            public var memberID: MemberID?
            public init(id: Int64, status: String, memberID: MemberID? = nil) {
                self.id = id
                self.status = status
                self.memberID = memberID
            }
        }
    }
}
