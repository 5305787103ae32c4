/// A JSON-RPC 2.0 error object as crmd sends it: a code, a message, and `data` carrying at least
/// a stable `reason` word and whether a retry can help.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    /// Stable machine-readable word (`not_found`, `line_too_long`, …).
    public var reason: ErrorReason
    public var retryable: Bool
    /// JSON path of the offending field, for field errors (`events[3].member.phone`).
    public var field: String?
    /// Anything else worth telling the caller.
    public var extra: JSONObject

    public init(code: Int, message: String, reason: ErrorReason, retryable: Bool = false, field: String? = nil, extra: JSONObject = JSONObject()) {
        self.code = code
        self.message = message
        self.reason = reason
        self.retryable = retryable
        self.field = field
        self.extra = extra
    }

    public var description: String {
        var text = "\(message) (\(code) \(reason))"
        if let field { text += " at \(field)" }
        return text
    }

    public var json: JSONValue {
        var data = JSONObject()
        data["reason"] = .string(reason.rawValue)
        data["retryable"] = .bool(retryable)
        if let field { data["field"] = .string(field) }
        for (k, v) in extra { data[k] = v }
        return ["code": .int(code), "message": .string(message), "data": .object(data)]
    }

    /// Reads an error object received from a server.
    public init?(json: JSONValue) {
        guard let code = json["code"]?.int64Value, let message = json["message"]?.stringValue else { return nil }
        self.code = Int(code)
        self.message = message
        let data = json["data"]?.objectValue ?? JSONObject()
        self.reason = ErrorReason(wire: data["reason"]?.stringValue ?? "unknown")
        self.retryable = data["retryable"]?.boolValue ?? false
        self.field = data["field"]?.stringValue
        var extra = JSONObject()
        for (k, v) in data where !["reason", "retryable", "field"].contains(k) { extra[k] = v }
        self.extra = extra
    }
}

/// The error codes of the wire contract.
public enum RPCErrorCode {
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    public static let unauthenticated = -32001
    public static let forbidden = -32003
    public static let notFound = -32004
    public static let conflict = -32009
    public static let refused = -32010
    public static let overloaded = -32029
    public static let unavailable = -32050
}

extension RPCError {
    public static func parseError(_ detail: String) -> RPCError {
        RPCError(code: RPCErrorCode.parseError, message: "Parse error: \(detail)", reason: .parseError)
    }
    public static func invalidRequest(_ detail: String, reason: ErrorReason = .invalidRequest) -> RPCError {
        RPCError(code: RPCErrorCode.invalidRequest, message: "Invalid Request: \(detail)", reason: reason)
    }
    /// The name is the client's: it is shown cut and escaped (`ClientText`), never echoed whole.
    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: RPCErrorCode.methodNotFound, message: "Method not found: \(ClientText.excerpt(method))", reason: .methodNotFound)
    }
    public static func invalidParams(_ detail: String, field: String? = nil, reason: ErrorReason = .invalidParams) -> RPCError {
        RPCError(code: RPCErrorCode.invalidParams, message: detail, reason: reason, field: field)
    }
    public static func internalError(_ detail: String = "internal error", reason: ErrorReason = .internal) -> RPCError {
        RPCError(code: RPCErrorCode.internalError, message: detail, reason: reason)
    }
    public static func unauthenticated(_ detail: String, reason: ErrorReason = .unauthenticated) -> RPCError {
        RPCError(code: RPCErrorCode.unauthenticated, message: detail, reason: reason)
    }
    public static func forbidden(_ detail: String, reason: ErrorReason = .forbidden) -> RPCError {
        RPCError(code: RPCErrorCode.forbidden, message: detail, reason: reason)
    }
    public static func notFound(_ detail: String, reason: ErrorReason = .notFound) -> RPCError {
        RPCError(code: RPCErrorCode.notFound, message: detail, reason: reason)
    }
    public static func conflict(_ detail: String, reason: ErrorReason = .conflict) -> RPCError {
        RPCError(code: RPCErrorCode.conflict, message: detail, reason: reason)
    }
    public static func refused(_ detail: String, reason: ErrorReason) -> RPCError {
        RPCError(code: RPCErrorCode.refused, message: detail, reason: reason)
    }
    public static func overloaded(_ detail: String, reason: ErrorReason = .overloaded) -> RPCError {
        RPCError(code: RPCErrorCode.overloaded, message: detail, reason: reason, retryable: true)
    }
    public static func unavailable(_ detail: String, reason: ErrorReason = .databaseUnavailable) -> RPCError {
        RPCError(code: RPCErrorCode.unavailable, message: detail, reason: reason, retryable: true)
    }
}
