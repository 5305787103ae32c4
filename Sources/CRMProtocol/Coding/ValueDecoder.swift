/// The `Decoder` over one JSON value: hands out the containers that synthesized `Decodable`
/// code asks for, and remembers which members of an object were read so that the rest can be
/// refused as unknown.
final class ValueDecoder: Decoder {
    let value: JSONValue
    let path: String
    let reader: ValueReader
    /// Field rules of the object type being read, by wire name.
    let rules: [String: FieldRule]
    /// The rule of the field this value came from, when it is an array (`.items`).
    let arrayRule: FieldRule?
    /// Wire names of the object's members that were asked for; nil until a keyed container is made.
    var fieldsRead: Set<String>?

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(value: JSONValue, path: String, reader: ValueReader, rules: [String: FieldRule], arrayRule: FieldRule?) {
        self.value = value
        self.path = path
        self.reader = reader
        self.rules = rules
        self.arrayRule = arrayRule
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else { throw ValueReader.wrongType(path, "an object", value) }
        if fieldsRead == nil { fieldsRead = [] }
        return KeyedDecodingContainer(ObjectReader<Key>(object: object, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw ValueReader.wrongType(path, "an array", value) }
        var each = arrayRule
        if case .items(let max, let rule)? = arrayRule {
            guard items.count <= max else {
                throw RPCError.invalidParams("\(ValueReader.name(path)) has \(items.count) entries, more than \(max)", field: path, reason: .batchTooLarge)
            }
            each = rule
        }
        return ArrayReader(items: items, path: path, reader: reader, rule: each)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        ScalarReader(value: value, path: path, reader: reader, rule: arrayRule)
    }

    func markRead(_ wireName: String) { fieldsRead?.insert(wireName) }
}

/// The members of one JSON object, read by wire name.
struct ObjectReader<Key: CodingKey>: GenericKeyedDecodingContainer {
    let object: JSONObject
    let decoder: ValueDecoder

    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    private func wire(_ key: Key) -> String { WireName.of(key.stringValue) }

    func contains(_ key: Key) -> Bool {
        decoder.markRead(wire(key))
        return object[wire(key)] != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        decoder.markRead(wire(key))
        return object[wire(key)]?.isNull ?? true
    }

    func decodeValue<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let name = wire(key)
        decoder.markRead(name)
        let path = ValueReader.join(decoder.path, name)
        guard let value = object[name], !value.isNull else {
            throw RPCError.invalidParams("\(path) is required", field: path, reason: .missingField)
        }
        return try decoder.reader.read(type, value, path: path, rule: decoder.rules[name])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }

    private func child(_ key: Key) throws -> ValueDecoder {
        let name = wire(key)
        decoder.markRead(name)
        return ValueDecoder(
            value: object[name] ?? .null, path: ValueReader.join(decoder.path, name), reader: decoder.reader,
            rules: [:], arrayRule: decoder.rules[name])
    }
}

/// The entries of one JSON array, read in order.
struct ArrayReader: GenericUnkeyedDecodingContainer {
    let items: [JSONValue]
    let path: String
    let reader: ValueReader
    let rule: FieldRule?
    private(set) var currentIndex = 0

    init(items: [JSONValue], path: String, reader: ValueReader, rule: FieldRule?) {
        self.items = items
        self.path = path
        self.reader = reader
        self.rule = rule
    }

    var codingPath: [any CodingKey] { [] }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        guard !isAtEnd else { throw RPCError.invalidParams("\(ValueReader.name(path)) has too few entries", field: path) }
        let value = try reader.read(type, items[currentIndex], path: "\(path)[\(currentIndex)]", rule: rule)
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next() }

    private mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else { throw RPCError.invalidParams("\(ValueReader.name(path)) has too few entries", field: path) }
        defer { currentIndex += 1 }
        return ValueDecoder(value: items[currentIndex], path: "\(path)[\(currentIndex)]", reader: reader, rules: [:], arrayRule: nil)
    }
}

/// One value read as a whole (raw-value enums, `Present`, wrappers).
struct ScalarReader: GenericSingleValueDecodingContainer {
    let value: JSONValue
    let path: String
    let reader: ValueReader
    let rule: FieldRule?

    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { value.isNull }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        try reader.read(type, value, path: path, rule: rule)
    }
}
