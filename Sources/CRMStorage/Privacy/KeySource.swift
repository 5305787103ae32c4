import CRMDomain
import Foundation
import Synchronization

/// Where crmd's keys come from: the key file, read when crmd starts and read again when it changes
/// (`crmd keys rotate` writes a new current master key while instances serve; each picks it up
/// within a second and wraps new data keys with it).
public final class KeySource: Sendable {
    public let path: String
    private struct Loaded {
        var keyring: Keyring
        var modified: Date
        var checked: ContinuousClock.Instant
    }
    private let state: Mutex<Loaded>
    /// Data keys unwrapped already (`PersonalDataCodec.cipher`).
    let dataKeys = DataKeyCache()
    /// Accounts' fields opened with those keys for matching (`OpenedProfiles`).
    let opened = OpenedProfiles()
    /// How often the file's modification time is looked at.
    static let recheck = Duration.seconds(1)

    /// Reads the key file at `path`; throws `KeyFileError` when it is missing, readable by others
    /// than its owner, or not a key file.
    public init(path: String) throws(KeyFileError) {
        self.path = path
        let (keys, modified) = try KeyFile.read(path)
        state = Mutex(Loaded(keyring: Keyring(keys), modified: modified, checked: .now))
    }

    /// A source over keys held in memory (tools that have just written the file).
    public init(path: String, keys: KeyFileFormat) {
        self.path = path
        state = Mutex(Loaded(keyring: Keyring(keys), modified: .distantPast, checked: .now))
    }

    /// The keyring, re-read first when the file changed since it was last read. A file that
    /// became unreadable or invalid keeps the keys already loaded.
    public var keyring: Keyring {
        let now = ContinuousClock.now
        let stale: Date? = state.withLock { s in
            guard now - s.checked >= Self.recheck else { return nil }
            s.checked = now
            return s.modified
        }
        guard let stale else { return state.withLock { $0.keyring } }
        guard let modified = KeyFile.modified(path), modified != stale, let (keys, at) = try? KeyFile.read(path) else {
            return state.withLock { $0.keyring }
        }
        let ring = Keyring(keys)
        state.withLock { s in
            s.keyring = ring
            s.modified = at
        }
        return ring
    }
}
