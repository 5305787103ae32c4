/// One row of a result, in PostgreSQL's text format, decoded on demand into Swift types.
public struct PostgresRow: Sendable {
    /// Column names, shared by every row of a result.
    public let columns: PostgresColumns
    /// Each field's text, or `nil` for SQL NULL.
    public let fields: [String?]

    /// The field at `index` decoded as `T`; a NULL is an error unless `T` is optional.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws(PostgresError) -> T {
        precondition(index >= 0 && index < fields.count, "column index \(index) out of range")
        return try T.decode(postgresText: fields[index], column: columns.names[index])
    }

    /// The field named `column` decoded as `T`.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, column: String) throws(PostgresError) -> T {
        guard let index = columns.index(of: column) else {
            throw PostgresError(kind: .decoding, message: "no column named \(column)")
        }
        return try decode(type, at: index)
    }

    public subscript(column: String) -> String? {
        guard let index = columns.index(of: column) else { return nil }
        return fields[index]
    }
}

/// The column names of a result.
public final class PostgresColumns: Sendable {
    public let names: [String]
    private let lookup: [String: Int]

    init(names: [String]) {
        self.names = names
        var lookup: [String: Int] = [:]
        for (i, name) in names.enumerated() where lookup[name] == nil { lookup[name] = i }
        self.lookup = lookup
    }

    public func index(of name: String) -> Int? { lookup[name] }
}

/// The rows of a statement and how many rows it touched.
public struct PostgresResult: Sendable, RandomAccessCollection {
    public let rows: [PostgresRow]
    /// The count from the command tag (`INSERT 0 3` → 3), when the statement reports one.
    public let affectedRows: Int?

    public var startIndex: Int { rows.startIndex }
    public var endIndex: Int { rows.endIndex }
    public subscript(position: Int) -> PostgresRow { rows[position] }

    /// The only row, or `nil` when there is none; more than one is a broken invariant of the caller's SQL.
    public var single: PostgresRow? {
        precondition(rows.count <= 1, "expected at most one row, got \(rows.count)")
        return rows.first
    }
}

/// A Swift type that can be read from PostgreSQL's text format.
public protocol PostgresDecodable {
    static func decode(postgresText text: String?, column: String) throws(PostgresError) -> Self
}

extension PostgresDecodable {
    static func nullError(_ column: String) -> PostgresError {
        PostgresError(kind: .decoding, message: "column \(column) is NULL but \(Self.self) was expected")
    }
    static func formatError(_ column: String, _ text: String) -> PostgresError {
        PostgresError(kind: .decoding, message: "column \(column): cannot read \(text.prefix(40)) as \(Self.self)")
    }
}

extension String: PostgresDecodable {
    public static func decode(postgresText text: String?, column: String) throws(PostgresError) -> String {
        guard let text else { throw nullError(column) }
        return text
    }
}

extension Int64: PostgresDecodable {
    public static func decode(postgresText text: String?, column: String) throws(PostgresError) -> Int64 {
        guard let text else { throw nullError(column) }
        guard let value = Int64(text) else { throw formatError(column, text) }
        return value
    }
}

extension Int: PostgresDecodable {
    public static func decode(postgresText text: String?, column: String) throws(PostgresError) -> Int {
        guard let text else { throw nullError(column) }
        guard let value = Int(text) else { throw formatError(column, text) }
        return value
    }
}

extension Int32: PostgresDecodable {
    public static func decode(postgresText text: String?, column: String) throws(PostgresError) -> Int32 {
        guard let text else { throw nullError(column) }
        guard let value = Int32(text) else { throw formatError(column, text) }
        return value
    }
}

extension Double: PostgresDecodable {
    public static func decode(postgresText text: String?, column: String) throws(PostgresError) -> Double {
        guard let text else { throw nullError(column) }
        guard let value = Double(text) else { throw formatError(column, text) }
        return value
    }
}

extension Bool: PostgresDecodable {
    public static func decode(postgresText text: String?, column: String) throws(PostgresError) -> Bool {
        switch text {
        case "t": return true
        case "f": return false
        case nil: throw nullError(column)
        case let other?: throw formatError(column, other)
        }
    }
}

/// `bytea` in PostgreSQL's hex output format (`\x0a1b…`).
extension Array: PostgresDecodable where Element == UInt8 {
    public static func decode(postgresText text: String?, column: String) throws(PostgresError) -> [UInt8] {
        guard let text else { throw nullError(column) }
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw formatError(column, text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var i = 2
        while i < utf8.count {
            guard let hi = hexValue(utf8[i]), let lo = hexValue(utf8[i + 1]) else { throw formatError(column, text) }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(postgresText text: String?, column: String) throws(PostgresError) -> Wrapped? {
        guard let text else { return nil }
        return try Wrapped.decode(postgresText: text, column: column)
    }
}
