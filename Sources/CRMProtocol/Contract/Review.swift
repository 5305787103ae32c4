extension RPC {
    /// The review queue: likely matches waiting for an operator's decision, and guards that fired.
    public enum Review {
        public static let methods: [any RPCMethod.Type] = [List.self, Show.self, Decide.self]
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
            /// How likely the two members of a match are one person (the match model's probability, 0–1).
            public var score: Double?
            /// What fired, on which key value (guards; the value masked for masked roles).
            public var `guard`: JSONValue?
            /// The model's evidence (matches): model version, probability, weight, prior bits, the
            /// level and bits of each field compared, and why the match was held back; levels, never values.
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

    /// `review.show`: one match of the review queue as the match model scored it, field by field.
    public enum Show: RPCMethod {
        public static let name = "review.show"
        public static let summary =
            "One likely match with the match model's waterfall: prior, each field's level and bits, weight, probability. Levels, never values."

        public struct Params: RPCObject {
            /// The review item (`review.list` type match).
            public var id: Int64
            public static let fieldRules: [String: FieldRule] = ["id": .integer(1...Int64.max)]
            public init(id: Int64) { self.id = id }
        }

        /// One field's step of the waterfall.
        public struct Step: RPCObject {
            /// `name`, `birthday`, `address`, `region` or `phone`.
            public var field: String
            /// The comparison level both records reached (`exact`, `pinyin`, `one_digit` …); null when
            /// either lacks the field (no evidence, 0 bits).
            @Present public var level: String?
            /// log2(m/u): what this field added to the weight.
            public var bits: Double
            /// True when the name's own frequency replaced the level's average (a common name counts less).
            public var termFrequency: Bool?
            public init(field: String, level: String?, bits: Double, termFrequency: Bool? = nil) {
                self.field = field
                self.level = level
                self.bits = bits
                self.termFrequency = termFrequency
            }
        }

        public struct Result: RPCObject {
            public var id: Int64
            public var status: String
            public var createdAt: String
            public var memberIDs: [MemberID]
            /// The probability the item is queued with (what `review.list` calls score).
            public var probability: Double
            /// The model that scored the pair (0: the untrained one); absent for items queued before
            /// match models, which show only their probability.
            public var modelVersion: Int64?
            /// Where the waterfall starts: log2 of the prior odds.
            public var priorBits: Double?
            /// Every field the model compares, in its order.
            public var fields: [Step]
            /// prior_bits plus every field's bits; probability = 2^weight / (1 + 2^weight), unless held back.
            public var weight: Double?
            /// Why the probability was held below auto-merge (`different phones`), if it was.
            public var heldBack: String?
            public init(
                id: Int64, status: String, createdAt: String, memberIDs: [MemberID], probability: Double, modelVersion: Int64? = nil,
                priorBits: Double? = nil, fields: [Step] = [], weight: Double? = nil, heldBack: String? = nil
            ) {
                self.id = id
                self.status = status
                self.createdAt = createdAt
                self.memberIDs = memberIDs
                self.probability = probability
                self.modelVersion = modelVersion
                self.priorBits = priorBits
                self.fields = fields
                self.weight = weight
                self.heldBack = heldBack
            }

            enum CodingKeys: String, CodingKey {
                case id, status, createdAt, memberIDs = "member_ids", probability, modelVersion, priorBits, fields, weight, heldBack
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
