/// Referral codes (推薦碼): 8 characters from an alphabet without the look-alikes 0/O and 1/I,
/// random (never derived from a member id), read back forgivingly (case, spaces, dashes).
public enum ReferralCode {
    public static let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
    public static let length = 8

    /// A fresh random code.
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    public static func generate() -> String {
        var g = SystemRandomNumberGenerator()
        return generate(using: &g)
    }

    /// The code as typed by a person, or nil when it cannot be one.
    public static func normalize(_ text: String) -> String? {
        let kept = text.uppercased().filter { $0 != " " && $0 != "-" }
        guard kept.count == length, kept.allSatisfy({ alphabet.contains($0) }) else { return nil }
        return kept
    }
}
