import Crypto
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Random nonces for sealing fields, read from the kernel's random source a page at a time. AES-GCM's own `Nonce()` asks the kernel for each one, and a push seals a dozen fields an
/// account: a system call each was a few per cent of crmd's ingest time. The bytes are the same
/// kernel randomness, only fetched in bulk; each is handed out once.
final class NonceSource: Sendable {
    static let shared = NonceSource()

    /// Bytes fetched per refill.
    static let pageSize = 4096
    private let state = Mutex<(bytes: [UInt8], used: Int)>(([], 0))

    /// A fresh 96-bit nonce.
    func next() -> AES.GCM.Nonce {
        let bytes: [UInt8] = state.withLock { s in
            if s.used + 12 > s.bytes.count {
                s.bytes = Self.fetch(Self.pageSize)
                s.used = 0
            }
            defer { s.used += 12 }
            return Array(s.bytes[s.used..<s.used + 12])
        }
        return try! AES.GCM.Nonce(data: bytes)
    }

    /// `count` bytes from the kernel's random source, read from `/dev/urandom` in one call where it
    /// opens (the standard generator otherwise, 8 bytes a call).
    static func fetch(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        #if canImport(Glibc)
        if urandom >= 0 {
            let filled = out.withUnsafeMutableBytes { read(urandom, $0.baseAddress, count) }
            if filled == count { return out }
        }
        #endif
        var generator = SystemRandomNumberGenerator()
        for i in out.indices { out[i] = generator.next() }
        return out
    }

    #if canImport(Glibc)
    /// Kept open for the life of the process (-1 when it could not be opened).
    private static let urandom: Int32 = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
    #endif
}
