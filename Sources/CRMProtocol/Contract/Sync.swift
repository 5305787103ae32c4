import CRMDomain

extension RPC {
    /// Events from the shops' agents.
    public enum Sync {
        public static let methods: [any RPCMethod.Type] = [Push.self]
    }
}

extension RPC.Sync {
    /// `sync.push`: a batch of a shop's events, applied in order, each once.
    public enum Push: RPCMethod {
        public static let name = "sync.push"
        public static let summary = "Applies a batch of a shop's events in order, each once by its id; answers one result per event."

        /// The events stay raw: crmd reads and rejects them one by one (a bad event is a
        /// `rejected` result, not a refused push), and their number is limited by `--max-events`.
        public struct Params: RPCObject {
            public var shop: String
            public var events: [JSONValue]
            public static let fieldRules: [String: FieldRule] = ["shop": .text(maxLength: ShopCode.maxLength)]
            public init(shop: String, events: [JSONValue]) {
                self.shop = shop
                self.events = events
            }
        }

        public struct Result: RPCObject {
            /// One per event, in the order sent.
            public var results: [Outcome]
            public init(results: [Outcome]) { self.results = results }
        }

        /// What became of one event.
        public struct Outcome: RPCObject {
            /// The event's id (null when the event had none that could be read).
            @Present public var id: String?
            /// `applied`, `duplicate` or `rejected`.
            public var status: String
            public var memberID: MemberID?
            /// For a duplicate: what became of the event the first time.
            public var firstStatus: String?
            /// Why the event was rejected (for a duplicate: the first time).
            public var error: RPCError?
            public init(id: String?, status: String, memberID: MemberID? = nil, firstStatus: String? = nil, error: RPCError? = nil) {
                self.id = id
                self.status = status
                self.memberID = memberID
                self.firstStatus = firstStatus
                self.error = error
            }
        }
    }
}

/// An error object inside a result (`sync.push`'s rejected events): shaped like any JSON-RPC error.
extension RPCError: WireScalar {
    public static func read(_ value: JSONValue, path: String) throws(RPCError) -> RPCError {
        guard let error = RPCError(json: value) else { throw ValueReader.wrongType(path, "an error object", value) }
        return error
    }

    public var wire: JSONValue { json }

    public static var schema: JSONValue {
        [
            "type": "object", "required": ["code", "message", "data"],
            "properties": [
                "code": ["type": "integer"], "message": ["type": "string"],
                "data": [
                    "type": "object", "required": ["reason"],
                    "properties": ["reason": ["type": "string"], "retryable": ["type": "boolean"], "field": ["type": "string"]],
                ],
            ],
        ]
    }

    public static var placeholder: RPCError { RPCError(code: RPCErrorCode.invalidParams, message: "", reason: .invalidParams) }
}
