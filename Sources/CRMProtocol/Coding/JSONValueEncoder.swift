/// Writes the contract's types as `JSONValue`s: members in the order the type declares them, names
/// as `WireName` writes them, a nil optional left out (a `Present` one sent as `null`).
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws(RPCError) -> JSONValue {
        do {
            return try ValueWriter.write(value)
        } catch let error as RPCError {
            throw error
        } catch {
            throw .internalError("cannot encode \(T.self): \(error)")
        }
    }
}

/// Turns one value into JSON: scalars directly, anything else through its `encode(to:)`.
enum ValueWriter {
    static func write<T: Encodable>(_ value: T) throws -> JSONValue {
        switch value {
        case let v as JSONValue: return v
        case let v as [JSONValue]: return .array(v)
        case let v as JSONObject: return .object(v)
        case let v as String: return .string(v)
        case let v as Int64: return .int(v)
        case let v as Int: return .int(v)
        case let v as Bool: return .bool(v)
        case let v as Double: return .double(v)
        case let v as any WireScalar: return v.wire
        case let v as any WireEnum: return .string(v.rawValue)
        default:
            let encoder = ValueEncoder()
            try value.encode(to: encoder)
            return encoder.slot.json
        }
    }
}

/// Where an encoder puts what it writes: one value, or an object or array still being filled.
final class Slot {
    enum Content {
        case empty
        case value(JSONValue)
        case object([(String, Slot)])
        case array([Slot])
    }

    var content: Content = .empty

    var json: JSONValue {
        switch content {
        case .empty: return .null
        case .value(let v): return v
        case .object(let members): return .object(JSONObject(members.map { ($0.0, $0.1.json) }))
        case .array(let items): return .array(items.map(\.json))
        }
    }

    func member(_ name: String) -> Slot {
        let slot = Slot()
        if case .object(var members) = content {
            // Let go of the slot's own reference first, so the append does not copy the array.
            content = .empty
            members.append((name, slot))
            content = .object(members)
        } else {
            content = .object([(name, slot)])
        }
        return slot
    }

    func append() -> Slot {
        let slot = Slot()
        if case .array(var items) = content {
            content = .empty
            items.append(slot)
            content = .array(items)
        } else {
            content = .array([slot])
        }
        return slot
    }
}

/// The `Encoder` that synthesized `Encodable` code writes into.
final class ValueEncoder: Encoder {
    let slot: Slot
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(slot: Slot = Slot()) {
        self.slot = slot
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .empty = slot.content { slot.content = .object([]) }
        return KeyedEncodingContainer(ObjectWriter<Key>(slot: slot))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .empty = slot.content { slot.content = .array([]) }
        return ArrayWriter(slot: slot)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { ScalarWriter(slot: slot) }
}

/// Members of an object, by wire name.
struct ObjectWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: Slot
    var codingPath: [any CodingKey] { [] }

    private func member(_ key: Key) -> Slot { slot.member(WireName.of(key.stringValue)) }

    mutating func encodeNil(forKey key: Key) throws { member(key).content = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { member(key).content = .value(try ValueWriter.write(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        ValueEncoder(slot: member(key)).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        ValueEncoder(slot: member(key)).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(slot: slot.member("super")) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(slot: member(key)) }
}

/// Entries of an array, in order.
struct ArrayWriter: UnkeyedEncodingContainer {
    let slot: Slot
    var codingPath: [any CodingKey] { [] }
    var count: Int {
        if case .array(let items) = slot.content { return items.count }
        return 0
    }

    mutating func encodeNil() throws { slot.append().content = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { slot.append().content = .value(try ValueWriter.write(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        ValueEncoder(slot: slot.append()).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        ValueEncoder(slot: slot.append()).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(slot: slot.append()) }
}

/// One value written whole.
struct ScalarWriter: SingleValueEncodingContainer {
    let slot: Slot
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { slot.content = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { slot.content = .value(try ValueWriter.write(value)) }
}
