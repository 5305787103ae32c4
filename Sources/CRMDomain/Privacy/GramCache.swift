import Synchronization

/// The 64-bit blind indexes of short n-grams already computed under one index key. Names and
/// addresses share most of their characters and character pairs (省, 市, 路, 浙江, 杭州 …), so
/// each golden record written would otherwise pay dozens of HMACs for values made many times before.
/// Bounded (`BoundedTable`: grams not used for a while are dropped first). Holds nothing a stored row does
/// not already reveal to whoever has the index key (the hashes are what `address_grams` stores).
final class GramCache: Sendable {
    /// Grams longer than this are hashed without being remembered (only single characters and pairs
    /// are expected; the bound keeps an odd input from filling the cache with long keys).
    static let maxGramBytes = 16

    /// At most 100,000 grams by default (about 10 MB).
    private let hashes: Mutex<BoundedTable<String, Int64>>

    init(capacity: Int = 100_000) {
        hashes = Mutex(BoundedTable(capacity: capacity))
    }

    /// Grams remembered now.
    var count: Int { hashes.withLock { $0.count } }

    /// The hash of each gram of `kind` in `grams`, computing (with `hash`) only those not seen yet.
    func hashes(kind: String, of grams: Set<String>, hash: (String) -> Int64) -> [Int64] {
        let keyed = grams.map { (gram: $0, key: kind + "\u{1F}" + $0) }
        var out: [Int64] = []
        out.reserveCapacity(keyed.count)
        let missing: [(gram: String, key: String)] = hashes.withLock { known in
            var missing: [(gram: String, key: String)] = []
            for g in keyed {
                if let h = known.lookup(g.key) { out.append(h) } else { missing.append(g) }
            }
            return missing
        }
        guard !missing.isEmpty else { return out }
        let computed = missing.map { (key: $0.key, hash: hash($0.gram), keep: $0.gram.utf8.count <= Self.maxGramBytes) }
        out += computed.map(\.hash)
        hashes.withLock { $0.store(computed.filter(\.keep).map { ($0.key, $0.hash) }) }
        return out
    }
}
