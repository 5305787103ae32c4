/// A limit on one field of a request, checked while the request is decoded and published in the
/// OpenRPC document: the one place a field's range, length or allowed words are written.
public enum FieldRule: Sendable, Equatable {
    /// A whole number within the range.
    case integer(ClosedRange<Int64>)
    /// Text of at most `maxLength` characters; `nonEmpty` refuses `""` (`missing_field`).
    case text(maxLength: Int, nonEmpty: Bool = false)
    /// One of these words; anything else is refused with `reason`.
    case oneOf([String], reason: ErrorReason)
    /// A calendar date `YYYY-MM-DD` (`bad_date`).
    case date
    /// An array of at most `max` entries (`batch_too_large`), each checked by `each`.
    indirect case items(max: Int, each: FieldRule?)

    /// Text fields without a rule of their own hold at most this many characters.
    public static let defaultTextLength = 1_000
}

/// An object of the wire contract: a request's params, a result, or an object inside one.
/// Its fields are its stored properties (names as `WireName` writes them); `fieldRules` limits
/// them by wire name, and `validate()` checks what spans several fields.
public protocol RPCObject: Codable, Sendable {
    /// Limits of single fields, by wire name (`"points": .integer(1...1_000_000_000)`).
    static var fieldRules: [String: FieldRule] { get }
    /// Checks across fields, after every field was decoded and checked on its own.
    func validate() throws(RPCError)
}

extension RPCObject {
    public static var fieldRules: [String: FieldRule] { [:] }
    public func validate() throws(RPCError) {}
}

/// The params of a method that takes none (`{}` or absent).
public struct NoParams: RPCObject, Equatable {
    public init() {}

    // Written out: the synthesized coding of a type without fields asks for no object, so
    // members sent anyway would not be refused, and it would be sent as null instead of `{}`.
    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: NoKeys.self)
    }

    public func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: NoKeys.self)
    }

    private enum NoKeys: CodingKey {}
}
