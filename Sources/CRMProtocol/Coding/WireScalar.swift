/// A contract type written on the wire as one JSON value with rules of its own (a member id is a
/// string of digits, or a number). The coders and the OpenRPC recorder ask it directly, so its
/// errors name the field like every other.
public protocol WireScalar: Codable, Sendable {
    /// Reads the value found at `path`.
    static func read(_ value: JSONValue, path: String) throws(RPCError) -> Self
    /// The value as sent.
    var wire: JSONValue { get }
    /// Its JSON Schema in the OpenRPC document.
    static var schema: JSONValue { get }
    /// Any valid value (the OpenRPC recorder needs one to go on with).
    static var placeholder: Self { get }
}

extension WireScalar {
    public init(from decoder: any Decoder) throws {
        self = try Self.read(try decoder.singleValueContainer().decode(JSONValue.self), path: "")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wire)
    }
}

/// A member id: sent as a string of digits (`"1001"`), also taken as a positive number.
public struct MemberID: WireScalar, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    public let value: Int64

    public init(_ value: Int64) {
        precondition(value > 0, "member ids are positive")
        self.value = value
    }

    public init(integerLiteral value: Int64) { self.init(value) }

    /// A member id typed by a person (`crmctl points get 1001`); nil unless it is one.
    public init?(text: String) {
        guard let v = Int64(text), v > 0 else { return nil }
        value = v
    }

    public static func read(_ value: JSONValue, path: String) throws(RPCError) -> MemberID {
        switch value {
        case .string(let s):
            guard let id = MemberID(text: s) else {
                throw .invalidParams("\(path) is not a member id", field: path, reason: .badMemberID)
            }
            return id
        case .number(let text):
            guard let v = Int64(text) else { throw .invalidParams("\(path) must be a whole number", field: path, reason: .wrongType) }
            guard v >= 1 else { throw .invalidParams("\(path) must be between 1 and \(Int64.max)", field: path, reason: .outOfRange) }
            return MemberID(v)
        default:
            throw .invalidParams("\(path) must be a string, not \(value.typeName)", field: path, reason: .wrongType)
        }
    }

    public var wire: JSONValue { .string(String(value)) }
    public static var schema: JSONValue { ["type": "string", "pattern": "^[1-9][0-9]{0,18}$", "description": "a member id: a string of digits"] }
    public static var placeholder: MemberID { MemberID(1) }
    public var description: String { String(value) }
    public static func < (a: MemberID, b: MemberID) -> Bool { a.value < b.value }
}
