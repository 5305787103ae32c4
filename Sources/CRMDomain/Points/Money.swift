/// Amounts of money as integer fen (1 yuan = 100 fen): never floating point.
public enum Money {
    /// Largest amount accepted on the wire: ¥100,000,000,000 (fits Int64 sums with a wide margin).
    public static let maxFen: Int64 = 10_000_000_000_000

    /// Parses a yuan amount written as decimal text (`"399"`, `"399.5"`, `"399.00"`) into fen.
    /// At most two decimals, no sign, no exponent, no separators; `nil` otherwise.
    public static func parseFen(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var whole: Int64 = 0
        var index = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            whole = whole * 10 + Int64(bytes[index] - 0x30)
            digits += 1
            index += 1
            guard whole <= maxFen / 100 else { return nil }
        }
        guard digits > 0 else { return nil }
        var fraction: Int64 = 0
        if index < bytes.count {
            guard bytes[index] == UInt8(ascii: "."), index + 1 < bytes.count, bytes.count - index - 1 <= 2 else { return nil }
            index += 1
            var scale: Int64 = 10
            while index < bytes.count {
                guard bytes[index] >= 0x30, bytes[index] <= 0x39 else { return nil }
                fraction += Int64(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
        }
        let fen = whole * 100 + fraction
        return fen <= maxFen ? fen : nil
    }

    /// Fen as yuan text with two decimals (`39900` → `"399.00"`).
    public static func format(fen: Int64) -> String {
        precondition(fen >= 0, "negative amounts are written by the caller")
        let fraction = fen % 100
        return "\(fen / 100)." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}
