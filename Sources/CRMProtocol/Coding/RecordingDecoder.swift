/// The `Decoder` behind `SchemaRecorder`: answers every question with a placeholder and notes
/// what was asked — an object's fields, an array's entries, or a single value.
final class RecordingDecoder: Decoder {
    let recorder: SchemaRecorder
    let rules: [String: FieldRule]
    /// The rule of the field being read (an array's `.items`, or a single value's own rule).
    let rule: FieldRule?
    var properties: [(name: String, schema: JSONValue, required: Bool)] = []
    /// Fields asked about with `contains` (how `decodeIfPresent` starts): optional ones.
    var optional: Set<String> = []
    var items: JSONValue?
    var single: JSONValue?

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(recorder: SchemaRecorder, rules: [String: FieldRule], rule: FieldRule?) {
        self.recorder = recorder
        self.rules = rules
        self.rule = rule
    }

    func schema(closed: Bool) -> JSONValue {
        if let single { return single }
        if let items {
            var schema: JSONObject = ["type": "array", "items": items]
            if case .items(let max, _)? = rule { schema["maxItems"] = .int(max) }
            return .object(schema)
        }
        var object: JSONObject = ["type": "object"]
        object["properties"] = .object(JSONObject(properties.map { ($0.name, $0.schema) }))
        let required = properties.filter(\.required).map { JSONValue.string($0.name) }
        if !required.isEmpty { object["required"] = .array(required) }
        if closed { object["additionalProperties"] = false }
        return .object(object)
    }

    func field<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        let (schema, value) = try recorder.record(type, rule: rules[name])
        let sent = T.self is any AlwaysSent.Type
        properties.removeAll { $0.name == name }
        properties.append((name, schema, sent || !optional.contains(name)))
        return value
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RecordingObject<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        var each = rule
        if case .items(_, let r)? = rule { each = r }
        return RecordingArray(decoder: self, rule: each)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { RecordingScalar(decoder: self) }
}

/// An object's fields, each recorded as it is asked for.
struct RecordingObject<Key: CodingKey>: GenericKeyedDecodingContainer {
    let decoder: RecordingDecoder
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }

    private func wire(_ key: Key) -> String { WireName.of(key.stringValue) }

    func contains(_ key: Key) -> Bool {
        decoder.optional.insert(wire(key))
        return true
    }

    func decodeNil(forKey key: Key) throws -> Bool { false }
    func decodeValue<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder.field(type, wire(key)) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        preconditionFailure("contract types read nested objects as types of their own")
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        preconditionFailure("contract types read nested arrays as types of their own")
    }
    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
}

/// An array: one entry is recorded as the schema of all.
struct RecordingArray: GenericUnkeyedDecodingContainer {
    let decoder: RecordingDecoder
    let rule: FieldRule?
    var codingPath: [any CodingKey] { [] }
    var count: Int? { nil }
    var isAtEnd: Bool { decoder.items != nil }
    var currentIndex: Int { decoder.items == nil ? 0 : 1 }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        let (schema, value) = try decoder.recorder.record(type, rule: rule)
        decoder.items = schema
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        preconditionFailure("contract types read nested objects as types of their own")
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        preconditionFailure("contract types read nested arrays as types of their own")
    }
    mutating func superDecoder() throws -> any Decoder { decoder }
}

/// A value read whole: its schema is that of the type it is read as.
struct RecordingScalar: GenericSingleValueDecodingContainer {
    let decoder: RecordingDecoder
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { false }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        let (schema, value) = try decoder.recorder.record(type, rule: decoder.rule)
        decoder.single = schema
        return value
    }
}
