import CRMProtocol

/// Typed, checked access to a method's named parameters. Every failure is an invalid-params
/// error naming the field by its JSON path; unknown fields are refused so typos do not pass silently.
public struct Params: Sendable {
    public let object: JSONObject
    /// Path of this object within the request (`""` at the top, `events[3].member` deeper).
    public let path: String

    /// Reads `params` as sent: absent means `{}`; anything but an object is refused, and so is a
    /// NUL character in any string or member name within it (PostgreSQL cannot store one, and
    /// C-string code would silently cut the text there) — except under the top-level members
    /// `screenedLater`, whose entries the method screens one by one (`sync.push` rejects one event,
    /// not the push).
    public init(_ value: JSONValue?, path: String = "", screenedLater: Set<String> = []) throws(RPCError) {
        switch value {
        case nil, .null?: object = JSONObject()
        case .object(let o)?: object = o
        case let other?:
            throw .invalidParams("params must be an object with named members, not \(other.typeName)", field: path.isEmpty ? nil : path)
        }
        self.path = path
        for (key, member) in object where !screenedLater.contains(key) {
            guard let at = Self.nulPath(in: member, key: key, path: path) else { continue }
            throw .invalidParams("\(at) contains a NUL character (U+0000), which text may not hold", field: at, reason: .nulCharacter)
        }
    }

    /// The JSON path (cut to a readable length) of the first string or member name holding a NUL
    /// character within `value`, the member `key` of the object at `path`; nil when there is none.
    static func nulPath(in value: JSONValue, key: String, path: String) -> String? {
        var steps: [PathStep] = []
        if key.utf8.contains(0) || nulSteps(in: value, reversed: &steps) {
            let tail = steps.reversed().map { step in
                switch step {
                case .index(let i): return "[\(i)]"
                case .member(let name): return "." + printable(name)
                }
            }.joined()
            let full = (path.isEmpty ? "" : path + ".") + printable(key) + tail
            return ClientText.cut(full)
        }
        return nil
    }

    /// One step down a JSON path.
    enum PathStep {
        case index(Int)
        case member(String)
    }

    /// Whether `value` holds a NUL character in a string or member name; the steps to the first
    /// one are appended on the way back, last step first. Nothing is built while looking, so the
    /// search is linear in the document however long its names are.
    static func nulSteps(in value: JSONValue, reversed steps: inout [PathStep]) -> Bool {
        switch value {
        case .string(let s): return s.utf8.contains(0)
        case .array(let items):
            for (i, item) in items.enumerated() where nulSteps(in: item, reversed: &steps) {
                steps.append(.index(i))
                return true
            }
            return false
        case .object(let o):
            for (name, member) in o where name.utf8.contains(0) || nulSteps(in: member, reversed: &steps) {
                steps.append(.member(name))
                return true
            }
            return false
        default: return false
        }
    }

    /// A member name as a path shows it: NUL as `\u0000`, so the path itself can be stored and logged.
    static func printable(_ key: String) -> String {
        key.utf8.contains(0) ? key.unicodeScalars.map { $0 == "\u{0}" ? "\\u0000" : String($0) }.joined() : key
    }

    public func field(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// Refuses members other than `allowed`.
    public func allowOnly(_ allowed: Set<String>) throws(RPCError) {
        for key in object.keys where !allowed.contains(key) {
            // The name is the client's: shown cut and escaped, in the message and in `field`.
            let shown = field(ClientText.excerpt(key))
            throw .invalidParams("unknown parameter \(shown)", field: shown, reason: .unknownField)
        }
    }

    public func has(_ key: String) -> Bool {
        if let value = object[key], !value.isNull { return true }
        return false
    }

    public func string(_ key: String, maxLength: Int = 1_000) throws(RPCError) -> String {
        guard let value = try optionalString(key, maxLength: maxLength) else {
            throw .invalidParams("\(field(key)) is required", field: field(key), reason: .missingField)
        }
        return value
    }

    public func optionalString(_ key: String, maxLength: Int = 1_000) throws(RPCError) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let s)?:
            guard s.utf8.count <= maxLength * 4, s.count <= maxLength else {
                throw .invalidParams("\(field(key)) is longer than \(maxLength) characters", field: field(key), reason: .tooLong)
            }
            return s
        case let other?:
            throw .invalidParams("\(field(key)) must be a string, not \(other.typeName)", field: field(key), reason: .wrongType)
        }
    }

    public func int(_ key: String, in range: ClosedRange<Int64>) throws(RPCError) -> Int64 {
        guard let value = try optionalInt(key, in: range) else {
            throw .invalidParams("\(field(key)) is required", field: field(key), reason: .missingField)
        }
        return value
    }

    public func optionalInt(_ key: String, in range: ClosedRange<Int64>) throws(RPCError) -> Int64? {
        switch object[key] {
        case nil, .null?: return nil
        case .number(let text)?:
            guard let value = Int64(text) else {
                throw .invalidParams("\(field(key)) must be a whole number", field: field(key), reason: .wrongType)
            }
            guard range.contains(value) else {
                throw .invalidParams("\(field(key)) must be between \(range.lowerBound) and \(range.upperBound)", field: field(key), reason: .outOfRange)
            }
            return value
        case let other?:
            throw .invalidParams("\(field(key)) must be a number, not \(other.typeName)", field: field(key), reason: .wrongType)
        }
    }

    public func optionalBool(_ key: String) throws(RPCError) -> Bool? {
        switch object[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case let other?:
            throw .invalidParams("\(field(key)) must be true or false, not \(other.typeName)", field: field(key), reason: .wrongType)
        }
    }
}
