/// An object of a result whose member names are data, not fields (`server.stats`' `methods`, by
/// method name): its members in the order they were put in, each value a contract type. Sent as
/// a JSON object; the OpenRPC document describes it by what each member holds.
public struct WireMap<Value: Codable & Sendable>: WireScalar {
    public var entries: [(name: String, value: Value)]

    public init(_ entries: [(name: String, value: Value)]) {
        self.entries = entries
    }

    /// The value of member `name`, if there is one.
    public subscript(name: String) -> Value? { entries.first { $0.name == name }?.value }

    public static func read(_ value: JSONValue, path: String) throws(RPCError) -> WireMap<Value> {
        guard case .object(let object) = value else { throw ValueReader.wrongType(path, "an object", value) }
        // Results are read leniently (a newer server may add fields), like every result.
        let decoder = JSONValueDecoder(rejectsUnknownFields: false)
        var entries: [(name: String, value: Value)] = []
        for (name, member) in object {
            entries.append((name, try decoder.decode(Value.self, from: member, path: ValueReader.join(path, name))))
        }
        return WireMap(entries)
    }

    public var wire: JSONValue {
        let encoder = JSONValueEncoder()
        // The values are contract types, which always encode; `.null` would only mark a mistake.
        return .object(JSONObject(entries.map { ($0.name, (try? encoder.encode($0.value)) ?? .null) }))
    }

    public static var schema: JSONValue {
        ["type": "object", "additionalProperties": SchemaRecorder(closed: false).schema(for: Value.self, rule: nil)]
    }

    public static var placeholder: WireMap<Value> { WireMap([]) }
}
