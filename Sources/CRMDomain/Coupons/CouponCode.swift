/// Coupon codes: 16 characters of Crockford base32 (80 random bits from the system's generator),
/// grouped for reading aloud, so that codes are unique in practice and cannot be guessed.
public enum CouponCode {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    public static let length = 16

    /// A new random code, e.g. `K7QD-2M9X-AB3F-0RTV`.
    public static func make() -> String {
        var rng = SystemRandomNumberGenerator()
        return make(using: &rng)
    }

    /// A code drawn from `rng` (tests pass a seeded one): five bits a character, taken from two
    /// 64-bit draws (the system's generator costs a system call a draw, and a segment issue makes
    /// hundreds of thousands of codes).
    public static func make<R: RandomNumberGenerator>(using rng: inout R) -> String {
        var out = ""
        out.reserveCapacity(length + 3)
        var bits: UInt64 = rng.next()
        var left = 64
        for i in 0..<length {
            if left < 5 {
                bits = rng.next()
                left = 64
            }
            if i > 0 && i % 4 == 0 { out.append("-") }
            out.append(alphabet[Int(bits & 31)])
            bits >>= 5
            left -= 5
        }
        return out
    }

    /// A code as typed by a person: upper case, without spaces, `O` read as `0`, `I`/`L` as `1`;
    /// dashes put back in groups of four. Nil when it cannot be a code.
    public static func normalized(_ text: String) -> String? {
        var chars: [Character] = []
        for ch in text.uppercased() where ch != "-" && ch != " " {
            let c: Character =
                switch ch {
                case "O": "0"
                case "I", "L": "1"
                default: ch
                }
            guard alphabet.contains(c) else { return nil }
            chars.append(c)
        }
        guard chars.count == length else { return nil }
        return stride(from: 0, to: length, by: 4).map { String(chars[$0..<$0 + 4]) }.joined(separator: "-")
    }
}
