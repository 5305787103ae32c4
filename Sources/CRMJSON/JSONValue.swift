/// A JSON document as a value: the one representation of JSON that crmd and its clients share.
///
/// Numbers keep their exact text so that money (`"399.00"`) and 64-bit ids survive a round trip
/// without passing through `Double`.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number exactly as written in the document (already validated as a JSON number).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// An object; keys keep the order they were written or inserted in.
    case object(JSONObject)

    /// A JSON number from an integer.
    public static func int(_ value: Int64) -> JSONValue { .number(String(value)) }
    /// A JSON number from an integer.
    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }
    /// A JSON number from a double (used only for measurements, never for money or points).
    public static func double(_ value: Double) -> JSONValue {
        guard value.isFinite else { return .null }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }
        return .number(String(value))
    }

    /// The value as an `Int64` when it is a JSON number with no fraction or exponent that fits.
    public var int64Value: Int64? {
        guard case .number(let text) = self else { return nil }
        return Int64(text)
    }

    /// The value as a `Double` when it is a JSON number.
    public var doubleValue: Double? {
        guard case .number(let text) = self else { return nil }
        return Double(text)
    }

    public var stringValue: String? {
        guard case .string(let s) = self else { return nil }
        return s
    }

    public var boolValue: Bool? {
        guard case .bool(let b) = self else { return nil }
        return b
    }

    public var arrayValue: [JSONValue]? {
        guard case .array(let a) = self else { return nil }
        return a
    }

    public var objectValue: JSONObject? {
        guard case .object(let o) = self else { return nil }
        return o
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Member access for objects; `nil` for anything else or a missing key.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let o) = self else { return nil }
        return o[key]
    }

    /// A short name of the JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .number(String(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
    public init(nilLiteral: ()) { self = .null }
}

/// A JSON object that keeps its keys in order (so responses read the way the docs show them).
/// Past a few keys they are found through an index, so building or reading an object of n keys
/// costs O(n), not O(n²): a hostile line of many small keys must not cost seconds of CPU. Small
/// objects (most requests and replies) skip the index, a scan of a few keys being cheaper.
public struct JSONObject: Sendable, Equatable, Sequence {
    /// Objects with more keys than this get an index.
    static let indexThreshold = 16

    public private(set) var entries: [(key: String, value: JSONValue)]
    /// Position of each key in `entries` once there are more than `indexThreshold`; then it holds
    /// exactly the keys of `entries`.
    private var positions: [String: Int]?

    public init() {
        entries = []
        positions = nil
    }

    public init(_ pairs: [(String, JSONValue)]) {
        self.init()
        entries.reserveCapacity(pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { entries.count }
    public var keys: [String] { entries.map(\.key) }

    /// Whether `key` is present.
    public func contains(_ key: String) -> Bool { position(of: key) != nil }

    private func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return entries.firstIndex(where: { $0.key == key })
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { entries[$0].value } }
        set {
            if let index = position(of: key) {
                if let newValue {
                    entries[index].value = newValue
                } else {
                    // Rare (objects are built, not edited): renumber the keys after the removed one.
                    entries.remove(at: index)
                    positions?[key] = nil
                    if positions != nil { for i in index..<entries.count { positions![entries[i].key] = i } }
                }
            } else if let newValue {
                positions?[key] = entries.count
                entries.append((key, newValue))
                if positions == nil, entries.count > Self.indexThreshold { buildIndex() }
            }
            assert(positions == nil || positions!.count == entries.count, "JSONObject index out of step with its entries")
        }
    }

    private mutating func buildIndex() {
        var index = [String: Int](minimumCapacity: entries.count * 2)
        for (i, entry) in entries.enumerated() { index[entry.key] = i }
        positions = index
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        entries.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        for (key, value) in lhs.entries where rhs[key] != value { return false }
        return true
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
