import Crypto
import Foundation

/// Keyed hashes of personal values (HMAC-SHA-256 under the key file's index key), so that the
/// database can find equal values without holding them: identity keys, lookups by phone, e-mail,
/// platform id or name, blocking keys, and the derived values segment conditions compare.
/// Without the index key a hash says nothing about its value; with it, equal inputs give equal
/// hashes, so the inputs are always normalised first (by the callers, as identity keys are).
public struct BlindIndex: Sendable {
    /// SHA-256 states after the key's inner and outer pads (RFC 2104), computed once: every index
    /// then costs two hashes of its own short input instead of four, as ingest makes dozens an event.
    private let inner: SHA256
    private let outer: SHA256
    /// N-gram hashes already made under this key (`grams(kind:of:)`).
    private let gramCache = GramCache()

    public init(key: SymmetricKey) {
        precondition(key.bitCount == 256, "the index key is 32 bytes")
        let bytes = key.withUnsafeBytes { Array($0) } + Array(repeating: 0, count: 32)
        var inner = SHA256()
        inner.update(data: bytes.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(data: bytes.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// HMAC-SHA-256 of `message` under the index key.
    func mac(_ message: [UInt8]) -> [UInt8] {
        var i = inner
        i.update(data: message)
        var o = outer
        o.update(data: Array(i.finalize()))
        return Array(o.finalize())
    }

    /// The index of `value` of `kind` (`phone`, `email`, `name`, a platform id kind, `block`, …):
    /// 128 bits as 22 characters of base64url. The kind is hashed too, so equal values of different
    /// kinds never share an index.
    public func value(kind: String, _ value: String) -> String {
        Self.base64url(mac(Self.message(kind, value)).prefix(16))
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Base64url without padding (16 bytes → 22 characters), written directly: every ingested
    /// account makes a dozen indexes, and Foundation's base64 with two string replacements cost
    /// crmd 8 % of its ingest time.
    static func base64url(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let n = min(3, bytes.endIndex - i)
            let b0 = UInt32(bytes[i]), b1 = n > 1 ? UInt32(bytes[i + 1]) : 0, b2 = n > 2 ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            for k in 0...n { out.append(alphabet[Int(v >> (18 - 6 * UInt32(k)) & 63)]) }
            i += n
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A 64-bit index of `value` of `kind`, for sets of many small values kept in `bigint[]` columns
    /// (address n-grams, attribute values): a collision costs a false match once in 2^64.
    public func hash64(kind: String, _ value: String) -> Int64 {
        mac64(Self.message(kind, value))
    }

    /// The n-gram indexes of a text for keyword conditions: every character and every pair of
    /// adjacent characters of `text` with white space removed. `text` must already be folded (one
    /// script) and lower-cased. A keyword is in the text only if all its grams are among the text's
    /// (the converse can fail: the pairs may sit apart), so a keyword match on grams is a superset.
    public func grams(kind: String, of text: String) -> [Int64] {
        var packed = Set<UInt64>(), long = Set<String>()
        func add(_ gram: String.UTF8View, _ text: @autoclosure () -> String) {
            if let p = GramCache.pack(gram) { packed.insert(p) } else { long.insert(text()) }
        }
        var previous: Character?
        for ch in text where !WhiteSpace.contains(ch) {
            add(String(ch).utf8, String(ch))
            if let previous {
                let pair = String([previous, ch])
                add(pair.utf8, pair)
            }
            previous = ch
        }
        var hashes = gramCache.hashes(kind: kind, of: packed) { mac64(Self.message(kind, $0)) }
        hashes += long.map { hash64(kind: kind, $0) }
        return Array(Set(hashes)).sorted()
    }

    private static func message(_ kind: String, _ value: String) -> [UInt8] {
        message(kind, Array(value.utf8))
    }

    private static func message(_ kind: String, _ utf8: [UInt8]) -> [UInt8] {
        Array(kind.utf8) + [0x1F] + utf8
    }

    /// The first 64 bits of the MAC of `message`, as `hash64` takes them.
    private func mac64(_ message: [UInt8]) -> Int64 {
        mac(message).prefix(8).reduce(Int64(0)) { ($0 << 8) | Int64($1) }
    }
}
