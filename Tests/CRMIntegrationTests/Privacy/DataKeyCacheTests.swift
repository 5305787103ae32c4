import CRMDomain
import Testing

@testable import CRMStorage

/// Unwrapped data keys are reused only for the wrapped bytes they came from.
@Suite("data keys kept unwrapped")
struct DataKeyCacheTests {
    @Test("a key is unwrapped once for the same wrapping, again when rotation rewrapped it, and the cache drops what was not used lately when full")
    func reuse() {
        let cache = DataKeyCache(capacity: 2)
        var unwrapped = 0
        func cipher(_ id: Int64, _ master: String, _ wrapped: [UInt8]) -> FieldCipher {
            cache.cipher(id: id, masterKeyID: master, wrapped: wrapped) {
                unwrapped += 1
                return FieldCipher(keyID: id, key: Keyring.newDataKey())
            }
        }
        let first = cipher(1, "m1", [1, 2, 3])
        let again = cipher(1, "m1", [1, 2, 3])
        #expect(unwrapped == 1)
        #expect(again.open(first.seal("王小明")) == "王小明", "the same key came back")
        _ = cipher(1, "m2", [9, 9, 9])
        #expect(unwrapped == 2, "rewrapped under another master key: unwrapped afresh")
        _ = cipher(1, "m2", [9, 9, 8])
        #expect(unwrapped == 3, "other bytes: unwrapped afresh")
        _ = cipher(2, "m2", [4])
        #expect(cache.count == 2)
        _ = cipher(3, "m2", [5])
        #expect(unwrapped == 5 && cache.count == 2, "full: the key not used lately is dropped")
        _ = cipher(2, "m2", [4])
        #expect(unwrapped == 5, "the key used just before is still kept")
        _ = cipher(1, "m2", [9, 9, 8])
        #expect(unwrapped == 6, "the key used longest ago was dropped")
    }
}
