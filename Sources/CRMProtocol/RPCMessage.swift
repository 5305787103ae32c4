/// A JSON-RPC 2.0 request (or notification, when `id` is absent) that passed validation.
public struct RPCRequest: Sendable, Equatable {
    /// `nil` for a notification; otherwise a string, number or null as sent.
    public var id: JSONValue?
    public var method: String
    /// Absent, an object or an array (the specification allows nothing else).
    public var params: JSONValue?

    public init(id: JSONValue?, method: String, params: JSONValue? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }

    public var isNotification: Bool { id == nil }

    public var json: JSONValue {
        var object: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { object["params"] = params }
        if let id { object["id"] = id }
        return .object(object)
    }
}

/// A JSON-RPC 2.0 response: a result or an error for one id.
public struct RPCResponse: Sendable, Equatable {
    public var id: JSONValue
    public var outcome: Result<JSONValue, RPCError>

    public init(id: JSONValue, result: JSONValue) {
        self.id = id
        self.outcome = .success(result)
    }

    public init(id: JSONValue, error: RPCError) {
        self.id = id
        self.outcome = .failure(error)
    }

    public var json: JSONValue {
        switch outcome {
        case .success(let result): return ["jsonrpc": "2.0", "result": result, "id": id]
        case .failure(let error): return ["jsonrpc": "2.0", "error": error.json, "id": id]
        }
    }

    /// Reads a response object received from a server; `nil` when it is not one.
    public init?(json: JSONValue) {
        guard json["jsonrpc"]?.stringValue == "2.0", let id = json["id"] else { return nil }
        self.id = id
        if let result = json["result"] {
            outcome = .success(result)
        } else if let errorJSON = json["error"], let error = RPCError(json: errorJSON) {
            outcome = .failure(error)
        } else {
            return nil
        }
    }
}

/// One line received by a server, classified the way the JSON-RPC 2.0 specification says.
public enum RPCIncoming: Sendable, Equatable {
    /// A single request object, or the error to answer instead (always with `id: null`
    /// unless the id could be read).
    case single(RPCEntry)
    /// A non-empty array: each entry answered in place (notifications produce nothing).
    case batch([RPCEntry])
    /// The line must be answered with this error and `id: null` (parse error, empty batch).
    case failure(RPCError)

    /// Classifies one line of bytes.
    public static func parse(
        _ bytes: some Collection<UInt8>, maxBatch: Int, maxDepth: Int = JSONParser.defaultMaxDepth,
        maxObjectKeys: Int = JSONParser.defaultMaxObjectKeys
    ) -> RPCIncoming {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes, maxDepth: maxDepth, maxObjectKeys: maxObjectKeys)
        } catch {
            return .failure(.parseError(error.description))
        }
        switch document {
        case .array(let elements):
            if elements.isEmpty { return .failure(.invalidRequest("empty batch", reason: .emptyBatch)) }
            if elements.count > maxBatch {
                return .failure(.invalidRequest("batch of \(elements.count) entries exceeds the limit of \(maxBatch)", reason: .batchTooLarge))
            }
            return .batch(elements.map(RPCEntry.init(validating:)))
        default:
            return .single(RPCEntry(validating: document))
        }
    }
}

/// One entry of a line: a valid request, or an invalid one with the id to answer it with.
public enum RPCEntry: Sendable, Equatable {
    case request(RPCRequest)
    case invalid(id: JSONValue, error: RPCError)

    public init(validating value: JSONValue) {
        guard case .object(let object) = value else {
            self = .invalid(id: .null, error: .invalidRequest("a request must be an object"))
            return
        }
        // The id, when it is of an allowed type, is used to answer even an otherwise invalid request.
        var id: JSONValue? = nil
        var idIsValid = true
        if let rawID = object["id"] {
            switch rawID {
            case .string, .number, .null: id = rawID
            default: idIsValid = false
            }
        }
        let answerID = idIsValid ? (id ?? .null) : .null
        guard idIsValid else {
            self = .invalid(id: .null, error: .invalidRequest("id must be a string, a number or null"))
            return
        }
        guard object["jsonrpc"] == .string("2.0") else {
            self = .invalid(id: answerID, error: .invalidRequest("jsonrpc must be \"2.0\""))
            return
        }
        guard case .string(let method)? = object["method"] else {
            self = .invalid(id: answerID, error: .invalidRequest("method must be a string"))
            return
        }
        if let params = object["params"] {
            switch params {
            case .object, .array: break
            default:
                self = .invalid(id: answerID, error: .invalidRequest("params must be an object or an array"))
                return
            }
        }
        for key in object.keys where !["jsonrpc", "method", "params", "id"].contains(key) {
            self = .invalid(id: answerID, error: .invalidRequest("unknown member \(ClientText.quoted(key))"))
            return
        }
        self = .request(RPCRequest(id: id, method: method, params: object["params"]))
    }
}
