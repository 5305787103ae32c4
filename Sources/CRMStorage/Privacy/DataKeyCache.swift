import CRMDomain
import Synchronization

/// Data keys already unwrapped, by key id. Matching opens candidates' fields push after push, and
/// each opening unwrapped its member's data key again (an AES-GCM open, a twentieth of crmd's
/// ingest time at 100,000 people). An entry keeps the wrapped key it came from and is served only
/// for the same one, so a key rewrapped by rotation is unwrapped afresh, and a key destroyed by
/// erasure (its row holds no wrapped key) never reaches the cache. Bounded (`BoundedTable`: keys
/// not used for a while are dropped first). crmd holds the master keys that unwrap every data key, so keeping some unwrapped in
/// its memory exposes nothing more.
final class DataKeyCache: Sendable {
    private struct Entry: Sendable {
        let masterKeyID: String
        let wrapped: [UInt8]
        let cipher: FieldCipher
    }

    /// At most 50,000 keys by default (about 200 bytes each).
    private let entries: Mutex<BoundedTable<Int64, Entry>>

    init(capacity: Int = 50_000) {
        entries = Mutex(BoundedTable(capacity: capacity))
    }

    /// The cipher of data key `id` wrapped as `wrapped` by `masterKeyID`, unwrapping it with `unwrap`
    /// unless it was unwrapped from the same bytes before.
    func cipher(id: Int64, masterKeyID: String, wrapped: [UInt8], unwrap: () -> FieldCipher) -> FieldCipher {
        if let hit = entries.withLock({ $0.lookup(id) }), hit.masterKeyID == masterKeyID, hit.wrapped == wrapped { return hit.cipher }
        let cipher = unwrap()
        precondition(cipher.keyID == id, "a data key unwrapped under another id")
        entries.withLock { $0.store([(id, Entry(masterKeyID: masterKeyID, wrapped: wrapped, cipher: cipher))]) }
        return cipher
    }

    /// Keys kept now.
    var count: Int { entries.withLock { $0.count } }
}
