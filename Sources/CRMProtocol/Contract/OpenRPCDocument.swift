/// The OpenRPC description of the wire contract, made from the contract's types: what
/// `rpc.discover` answers and what `docs/openrpc.json` holds. A merchant's engineer can generate a
/// client in any language from it.
public enum OpenRPCDocument {
    /// The OpenRPC specification version the document follows.
    public static let specVersion = "1.3.2"

    /// The whole document for `methods` (by default, every method of the contract).
    public static func make(version: String = RPC.productVersion, methods: [any RPCMethod.Type] = RPC.methods) -> JSONValue {
        [
            "openrpc": .string(specVersion),
            "info": [
                "title": "crmd",
                "version": .string(version),
                "description": """
                The member and loyalty server's JSON-RPC 2.0 methods. Transport: one JSON message per line over TCP \
                (or TLS); call session.hello with a token first. Params are always by name; unknown members are refused. \
                Money is integer fen, points are integers, member ids are strings of digits.
                """,
            ],
            "methods": .array(methods.map(describe)),
            "components": ["errors": errors, "schemas": ["ErrorReason": errorReasonSchema]],
        ]
    }

    /// One method: its params, one content descriptor per named member, and its result.
    static func describe(_ method: any RPCMethod.Type) -> JSONValue {
        func open<M: RPCMethod>(_ m: M.Type) -> JSONValue {
            let params = RPCSchema.params(of: m)
            let required = Set((params["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            let descriptors: [JSONValue] = (params["properties"]?.objectValue ?? JSONObject()).map { name, schema in
                ["name": .string(name), "required": .bool(required.contains(name)), "schema": schema]
            }
            return [
                "name": .string(M.name),
                "summary": .string(M.summary),
                "paramStructure": "by-name",
                "params": .array(descriptors),
                "result": ["name": .string(resultName(M.Result.self)), "schema": RPCSchema.result(of: m)],
            ]
        }
        return open(method)
    }

    /// A result's name: its type's, without the arguments of a shared generic one (`RuleList<Rule>` is `rule_list`).
    static func resultName(_ type: Any.Type) -> String {
        WireName.of(String(String(describing: type).prefix { $0 != "<" }))
    }

    /// The error codes of the contract; `data.reason` says which case it is.
    static var errors: JSONValue {
        let codes: [(String, Int, String)] = [
            ("parse_error", RPCErrorCode.parseError, "parse error"), ("invalid_request", RPCErrorCode.invalidRequest, "invalid request"),
            ("method_not_found", RPCErrorCode.methodNotFound, "method not found"), ("invalid_params", RPCErrorCode.invalidParams, "invalid params"),
            ("internal_error", RPCErrorCode.internalError, "internal error"), ("unauthenticated", RPCErrorCode.unauthenticated, "unauthenticated"),
            ("forbidden", RPCErrorCode.forbidden, "forbidden"), ("not_found", RPCErrorCode.notFound, "not found"),
            ("conflict", RPCErrorCode.conflict, "conflict"), ("refused", RPCErrorCode.refused, "refused by a business rule"),
            ("overloaded", RPCErrorCode.overloaded, "overloaded: retry with backoff"),
            ("unavailable", RPCErrorCode.unavailable, "unavailable: retry with backoff"),
        ]
        return .object(JSONObject(codes.map { key, code, message in (key, ["code": .int(code), "message": .string(message)]) }))
    }

    /// Every word `error.data.reason` may hold.
    static var errorReasonSchema: JSONValue {
        ["type": "string", "enum": .array(ErrorReason.known.map { .string($0.rawValue) })]
    }
}
