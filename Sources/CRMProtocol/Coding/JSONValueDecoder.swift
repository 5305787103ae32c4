import CRMDomain

/// Reads the contract's types (`RPCObject`s and what they hold) out of a `JSONValue`, the way
/// crmd has always checked params: a missing or `null` required field is `missing_field`, a value
/// of the wrong JSON type `wrong_type`, a number out of its `FieldRule` range `out_of_range`, text
/// past its length `too_long`, and — when `rejectsUnknownFields` — a member the type does not have
/// `unknown_field`, each an invalid-params error naming the field by its JSON path
/// (`events[3].member.phone`). Clients read results with `rejectsUnknownFields` off, so a newer
/// server may add fields.
public struct JSONValueDecoder: Sendable {
    public var rejectsUnknownFields: Bool

    public init(rejectsUnknownFields: Bool = true) {
        self.rejectsUnknownFields = rejectsUnknownFields
    }

    /// Decodes `type` from `value`, found at `path` within the request (`""` for params).
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, path: String = "") throws(RPCError) -> T {
        do {
            return try ValueReader(rejectsUnknownFields: rejectsUnknownFields).read(type, value, path: path, rule: nil)
        } catch let error as RPCError {
            throw error
        } catch {
            throw .invalidParams("\(path.isEmpty ? "params" : path) is not valid: \(error)", field: path.isEmpty ? nil : path)
        }
    }
}

/// Reads one value of any contract type; shared by the containers of every nesting level.
struct ValueReader {
    let rejectsUnknownFields: Bool

    func read<T: Decodable>(_ type: T.Type, _ value: JSONValue, path: String, rule: FieldRule?) throws -> T {
        if let scalar = try readScalar(type, value, path: path, rule: rule) { return scalar }
        let decoder = ValueDecoder(
            value: value, path: path, reader: self,
            rules: (T.self as? any RPCObject.Type)?.fieldRules ?? [:], arrayRule: rule)
        let result: T
        do {
            result = try T(from: decoder)
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError.invalidParams("\(Self.name(path)) is not valid", field: path.isEmpty ? nil : path, reason: .invalidParams)
        }
        if rejectsUnknownFields, let seen = decoder.fieldsRead, case .object(let object) = value {
            for key in object.keys where !seen.contains(key) {
                let shown = Self.join(path, ClientText.excerpt(key))
                throw RPCError.invalidParams("unknown parameter \(shown)", field: shown, reason: .unknownField)
            }
        }
        if let object = result as? any RPCObject { try object.validate() }
        return result
    }

    /// Strings, numbers, booleans and raw JSON, checked against their rule; nil for other types.
    private func readScalar<T>(_ type: T.Type, _ value: JSONValue, path: String, rule: FieldRule?) throws -> T? {
        if T.self == JSONValue.self { return value as? T }
        if T.self == [JSONValue].self, rule == nil {
            // Raw entries (`sync.push`' events) are taken whole, not read one by one.
            guard case .array(let items) = value else { throw Self.wrongType(path, "an array", value) }
            return items as? T
        }
        if let scalar = T.self as? any WireScalar.Type { return try scalar.read(value, path: path) as? T }
        if let words = T.self as? any WireEnum.Type {
            let word = try text(value, path: path, rule: .oneOf(words.wireWords, reason: .invalidParams))
            return words.init(rawValue: word) as? T
        }
        if T.self == JSONObject.self {
            guard case .object(let object) = value else { throw Self.wrongType(path, "an object", value) }
            return object as? T
        }
        if T.self == String.self { return try text(value, path: path, rule: rule) as? T }
        if T.self == Int64.self { return try integer(value, path: path, rule: rule) as? T }
        if T.self == Int.self { return Int(try integer(value, path: path, rule: rule)) as? T }
        if T.self == Bool.self {
            guard case .bool(let b) = value else {
                throw RPCError.invalidParams("\(Self.name(path)) must be true or false, not \(value.typeName)", field: path, reason: .wrongType)
            }
            return b as? T
        }
        if T.self == Double.self {
            guard case .number(let text) = value, let d = Double(text) else { throw Self.wrongType(path, "a number", value) }
            return d as? T
        }
        if T.self is any FixedWidthInteger.Type || T.self == Float.self {
            // The contract's numbers are Int64 (Int for counts, Double for measurements); another
            // width in a contract type is a mistake, found by the test that reads every type.
            preconditionFailure("the wire contract does not use \(T.self)")
        }
        return nil
    }

    func text(_ value: JSONValue, path: String, rule: FieldRule?) throws(RPCError) -> String {
        guard case .string(let s) = value else { throw Self.wrongType(path, "a string", value) }
        switch rule {
        case .oneOf(let words, let reason)?:
            guard words.contains(s) else {
                throw .invalidParams("\(Self.name(path)) must be \(Self.alternatives(words))", field: path, reason: reason)
            }
        case .date?:
            guard CivilTime.date(s) != nil else { throw .invalidParams("\(Self.name(path)) must be a date YYYY-MM-DD", field: path, reason: .badDate) }
        case .text(let maxLength, let nonEmpty)?:
            try Self.checkLength(s, maxLength, path)
            if nonEmpty, s.isEmpty { throw .invalidParams("\(Self.name(path)) must not be empty", field: path, reason: .missingField) }
        default:
            try Self.checkLength(s, FieldRule.defaultTextLength, path)
        }
        return s
    }

    func integer(_ value: JSONValue, path: String, rule: FieldRule?) throws(RPCError) -> Int64 {
        guard case .number(let text) = value else { throw Self.wrongType(path, "a number", value) }
        guard let n = Int64(text) else { throw .invalidParams("\(Self.name(path)) must be a whole number", field: path, reason: .wrongType) }
        if case .integer(let range)? = rule, !range.contains(n) {
            throw .invalidParams("\(Self.name(path)) must be between \(range.lowerBound) and \(range.upperBound)", field: path, reason: .outOfRange)
        }
        return n
    }

    private static func checkLength(_ s: String, _ maxLength: Int, _ path: String) throws(RPCError) {
        guard s.utf8.count <= maxLength * 4, s.count <= maxLength else {
            throw .invalidParams("\(name(path)) is longer than \(maxLength) characters", field: path, reason: .tooLong)
        }
    }

    static func wrongType(_ path: String, _ expected: String, _ value: JSONValue) -> RPCError {
        .invalidParams("\(name(path)) must be \(expected), not \(value.typeName)", field: path.isEmpty ? nil : path, reason: .wrongType)
    }

    static func name(_ path: String) -> String { path.isEmpty ? "params" : path }
    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// `a`, `a or b`, `a, b or c`.
    static func alternatives(_ words: [String]) -> String {
        words.count <= 1 ? words.joined() : words.dropLast().joined(separator: ", ") + " or " + words[words.count - 1]
    }
}
