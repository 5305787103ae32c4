/// A statement parameter, always sent out of line (`$1`, `$2`, …): values are never spliced into SQL.
public enum PostgresValue: Sendable, Equatable {
    case null
    case text(String)
    case int(Int64)
    case bool(Bool)
    /// Raw bytes for a `bytea` parameter (sent in binary format).
    case bytes([UInt8])
    /// A PostgreSQL array of text, for `unnest($1::text[])`; elements may be NULL.
    case textArray([String?])
    /// A PostgreSQL array of bigint.
    case intArray([Int64?])

    /// The text form sent to the server as UTF-8 ending in a NUL, or `nil` for SQL NULL (bytes handled
    /// separately). Written as bytes: a push sends arrays of thousands of values, and building them
    /// as a `String` (each append checking the string's capacity and flags) cost crmd more than
    /// anything libpq did with them.
    var textBytes: [UInt8]? {
        var out: [UInt8] = []
        switch self {
        case .null, .bytes: return nil
        case .text(let s): out.append(contentsOf: s.utf8)
        case .int(let i): Self.appendDecimal(i, to: &out)
        case .bool(let b): out.append(b ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .textArray(let elements):
            out.reserveCapacity(elements.reduce(3) { $0 + ($1?.utf8.count ?? 4) + 3 })
            out.append(UInt8(ascii: "{"))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                guard let element else {
                    out.append(contentsOf: "NULL".utf8)
                    continue
                }
                out.append(UInt8(ascii: "\""))
                if element.utf8.contains(where: { $0 == 0x22 || $0 == 0x5C }) {
                    for b in element.utf8 {
                        if b == 0x22 || b == 0x5C { out.append(0x5C) }
                        out.append(b)
                    }
                } else {
                    out.append(contentsOf: element.utf8)
                }
                out.append(UInt8(ascii: "\""))
            }
            out.append(UInt8(ascii: "}"))
        case .intArray(let elements):
            out.reserveCapacity(elements.count * 20 + 3)
            out.append(UInt8(ascii: "{"))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if let element { Self.appendDecimal(element, to: &out) } else { out.append(contentsOf: "NULL".utf8) }
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(0)
        return out
    }

    /// Appends `value` in decimal digits.
    private static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        // The magnitude as unsigned, so that Int64.min has one too.
        var rest = value.magnitude
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            for k in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[k]) }
        }
    }
}

extension PostgresValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }

    /// A text parameter, or NULL when the value is absent.
    public static func optional(_ value: String?) -> PostgresValue { value.map(PostgresValue.text) ?? .null }
    /// An integer parameter, or NULL when the value is absent.
    public static func optional(_ value: Int64?) -> PostgresValue { value.map(PostgresValue.int) ?? .null }
}
