/// The short code a merchant gives each shop (`sh01`, `tmall-flagship`): lower-case letters,
/// digits, `-` and `_`, starting with a letter or digit, at most 32 characters.
public struct ShopCode: Sendable, Hashable, CustomStringConvertible {
    public static let maxLength = 32
    public let value: String

    /// `nil` when `text` is not a valid code.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= Self.maxLength else { return nil }
        func isAlnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        guard isAlnum(bytes[0]), bytes.allSatisfy({ isAlnum($0) || $0 == 0x2D || $0 == 0x5F }) else { return nil }
        value = text
    }

    public var description: String { value }
}

/// Limits on the free-text names operators give shops and tokens.
public enum DisplayName {
    public static let maxLength = 200

    /// The name trimmed, or `nil` when empty, too long, or holding control characters.
    public static func validate(_ text: String) -> String? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.count <= maxLength,
            !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return trimmed
    }
}

extension String {
    /// The string without leading and trailing white space (including ideographic spaces).
    public func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
