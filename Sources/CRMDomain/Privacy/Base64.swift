/// Standard base64 (RFC 4648 §4, with padding) decoded straight into bytes: sealed values are opened
/// by the thousand during ingest, and Foundation's decoder (through `String` and `Data`) cost more
/// than the decryption it fed.
enum Base64 {
    /// The value of each ASCII byte as a base64 digit, or 0xFF.
    private static let digits: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    /// The bytes `text` encodes, or nil when it is not padded standard base64.
    static func decode<S: Collection>(_ text: S) -> [UInt8]? where S.Element == UInt8 {
        let count = text.count
        guard count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(count / 4 * 3)
        var quad: UInt32 = 0
        var filled = 0
        var padding = 0
        for c in text {
            if c == UInt8(ascii: "=") {
                padding += 1
                guard padding <= 2 else { return nil }
                quad <<= 6
            } else {
                let d = digits[Int(c)]
                guard d != 0xFF, padding == 0 else { return nil }
                quad = quad << 6 | UInt32(d)
            }
            filled += 1
            if filled == 4 {
                out.append(UInt8(truncatingIfNeeded: quad >> 16))
                out.append(UInt8(truncatingIfNeeded: quad >> 8))
                out.append(UInt8(truncatingIfNeeded: quad))
                quad = 0
                filled = 0
            }
        }
        out.removeLast(padding)
        return out
    }
}
