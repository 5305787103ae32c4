import Crypto

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
