import Crypto
import Foundation

/// Bearer tokens: how they are made and how they are kept. Only a token's SHA-256 is ever stored;
/// the token itself is shown once, at creation. Tokens carry 256 random bits, so a fast hash is
/// enough (nothing to brute-force).
public enum AccessToken {
    /// Every token starts with this, so a leaked one is easy to recognise in logs and scanners.
    public static let prefix = "crm_"
    /// Longest token text accepted from a client, to bound the work of a hostile hello.
    public static let maxLength = 256

    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")

    /// A fresh token: the prefix and 52 base32 characters (260 bits, 256 of them random).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        var bits: UInt64 = 0
        var bitCount = 0
        var out = prefix
        var produced = 0
        while produced < 52 {
            if bitCount < 5 {
                bits = bits << 32 | UInt64(UInt32.random(in: 0...UInt32.max, using: &generator))
                bitCount += 32
            }
            bitCount -= 5
            out.append(alphabet[Int((bits >> UInt64(bitCount)) & 31)])
            produced += 1
        }
        return out
    }

    /// The stored form of a token.
    public static func hash(_ token: String) -> [UInt8] {
        ContentHash.sha256(Array(token.utf8))
    }

    /// Fewest bits a token given from outside (`CRM_ADMIN_TOKEN`) must carry: as many as a generated one.
    public static let minimumBits = 256
    /// Fewest distinct characters in such a token, so long runs (`aaaa…`, `abab…`) are not taken for random.
    public static let minimumDistinctCharacters = 8

    /// What is wrong with a token chosen outside crmd, or `nil` when it is as strong as a generated
    /// one. Its strength is estimated from its length and the smallest usual alphabet that holds all
    /// its characters (hex, base32, alphanumeric, printable), after the `crm_` prefix, which adds nothing.
    public static func strengthProblem(_ text: String) -> String? {
        guard isWellFormed(text) else {
            return "it must be 1-\(maxLength) printable ASCII characters without spaces"
        }
        let body = Array((text.hasPrefix(prefix) ? text.dropFirst(prefix.count) : Substring(text)).utf8)
        let bits = Int((Double(body.count) * log2(Double(alphabetSize(of: body)))).rounded(.down))
        if bits < minimumBits {
            return "it carries about \(bits) bits; at least \(minimumBits) are needed (64 hex digits, or a token from crmd token create)"
        }
        if Set(body).count < minimumDistinctCharacters {
            return "it repeats too few characters to be random (\(Set(body).count) distinct)"
        }
        return nil
    }

    /// Size of the smallest common alphabet holding every byte of `body`.
    static func alphabetSize(of body: [UInt8]) -> Int {
        func all(_ test: (UInt8) -> Bool) -> Bool { body.allSatisfy(test) }
        let digit: (UInt8) -> Bool = { (0x30...0x39).contains($0) }
        let lower: (UInt8) -> Bool = { (0x61...0x7A).contains($0) }
        let upper: (UInt8) -> Bool = { (0x41...0x5A).contains($0) }
        if all({ digit($0) || (0x61...0x66).contains($0) }) || all({ digit($0) || (0x41...0x46).contains($0) }) { return 16 }
        if all({ lower($0) || (0x32...0x37).contains($0) }) || all({ upper($0) || (0x32...0x37).contains($0) }) { return 32 }
        if all({ digit($0) || lower($0) || upper($0) }) { return 62 }
        return 94
    }

    /// Whether `text` is shaped like a token at all (checked before any database work).
    public static func isWellFormed(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maxLength && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}

/// SHA-256 of bytes: token hashes and the content hashes that make pushed events idempotent.
public enum ContentHash {
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }
}
