import Synchronization

/// The 64-bit blind indexes of short n-grams already computed under one index key. Names and
/// addresses share most of their characters and character pairs (省, 市, 路, 浙江, 杭州 …), so
/// each golden record written would otherwise pay dozens of HMACs for values made many times before.
/// A gram is known by its UTF-8 bytes packed into an integer (`pack`): keyed by the gram's text,
/// each look-up hashed a `String`, which normalises it first (a third of the cost of a record's
/// grams). Bounded (`BoundedTable`, per kind: grams not used for a while are dropped first). Holds
/// nothing a stored row does not already reveal to whoever has the index key (the hashes are what
/// `address_grams` stores).
final class GramCache: Sendable {
    /// Grams longer than this many bytes are not packed, so not remembered (only single characters
    /// and pairs are expected, and a pair of most Chinese characters takes six).
    static let maxGramBytes = 7

    private let capacity: Int
    private let hashes: Mutex<[String: BoundedTable<UInt64, Int64>]> = Mutex([:])

    /// At most 100,000 grams a kind by default (about 3 MB).
    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// Grams remembered now, of every kind.
    var count: Int { hashes.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// A gram's UTF-8 bytes and their count packed into one integer (distinct grams, distinct
    /// integers), or nil when it is longer than `maxGramBytes`.
    static func pack(_ utf8: some Sequence<UInt8>) -> UInt64? {
        var packed: UInt64 = 0, count: UInt64 = 0
        for byte in utf8 {
            guard count < UInt64(maxGramBytes) else { return nil }
            packed |= UInt64(byte) << (8 * count)
            count += 1
        }
        return packed | count << 56
    }

    /// The bytes `pack` packed.
    static func unpack(_ packed: UInt64) -> [UInt8] {
        (0..<Int(packed >> 56)).map { UInt8(truncatingIfNeeded: packed >> (8 * UInt64($0))) }
    }

    /// The hash of each packed gram of `kind` in `grams`, computing (with `hash`, given the gram's
    /// bytes) only those not seen yet.
    func hashes(kind: String, of grams: Set<UInt64>, hash: ([UInt8]) -> Int64) -> [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(grams.count)
        let missing: [UInt64] = hashes.withLock { tables in
            var missing: [UInt64] = []
            var known = tables.removeValue(forKey: kind) ?? BoundedTable(capacity: capacity)
            for gram in grams {
                if let h = known.lookup(gram) { out.append(h) } else { missing.append(gram) }
            }
            tables[kind] = known
            return missing
        }
        guard !missing.isEmpty else { return out }
        let computed = missing.map { ($0, hash(Self.unpack($0))) }
        out += computed.map(\.1)
        hashes.withLock { tables in
            var known = tables.removeValue(forKey: kind) ?? BoundedTable(capacity: capacity)
            known.store(computed)
            tables[kind] = known
        }
        return out
    }
}
