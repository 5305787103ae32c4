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

    /// The text form sent to the server, or `nil` for SQL NULL (bytes handled separately).
    var textEncoding: String? {
        switch self {
        case .null: return nil
        case .text(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return b ? "t" : "f"
        case .bytes: return nil
        case .textArray(let elements):
            var out = "{"
            out.reserveCapacity(elements.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                guard let element else {
                    out += "NULL"
                    continue
                }
                out += "\""
                if element.utf8.contains(where: { $0 == 0x22 || $0 == 0x5C }) {
                    var bytes: [UInt8] = []
                    bytes.reserveCapacity(element.utf8.count + 8)
                    for b in element.utf8 {
                        if b == 0x22 || b == 0x5C { bytes.append(0x5C) }
                        bytes.append(b)
                    }
                    out += String(decoding: bytes, as: UTF8.self)
                } else {
                    out += element
                }
                out += "\""
            }
            return out + "}"
        case .intArray(let elements):
            return "{" + elements.map { $0.map(String.init) ?? "NULL" }.joined(separator: ",") + "}"
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
