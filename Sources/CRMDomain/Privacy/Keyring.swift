import Crypto

/// The keys of one key file in usable form: master keys wrap and unwrap members' data keys, the
/// index key makes blind indexes. Immutable; a reloaded key file makes a new keyring.
public struct Keyring: Sendable {
    public let currentMasterID: String
    private let masters: [String: SymmetricKey]
    public let blindIndex: BlindIndex

    public init(_ file: KeyFileFormat) {
        currentMasterID = file.current
        masters = file.master.mapValues { SymmetricKey(data: $0) }
        blindIndex = BlindIndex(key: SymmetricKey(data: file.index))
    }

    /// Whether the keyring holds master key `id`.
    public func hasMaster(_ id: String) -> Bool { masters[id] != nil }

    /// A member's data key in plain (what `wrap` wraps and `FieldCipher` uses).
    public typealias DataKey = SymmetricKey

    /// A new random data key.
    public static func newDataKey() -> DataKey { SymmetricKey(size: .bits256) }

    /// `dataKey` wrapped with the current master key (AES-256-GCM, nonce, ciphertext and tag: 60 bytes).
    public func wrap(_ dataKey: SymmetricKey) -> WrappedKey {
        wrap(dataKey, with: currentMasterID)
    }

    /// `dataKey` wrapped with master key `id` (which the keyring holds).
    public func wrap(_ dataKey: SymmetricKey, with id: String) -> WrappedKey {
        guard let master = masters[id] else { preconditionFailure("wrapping with master key \(id), which the keyring does not hold") }
        let bytes = dataKey.withUnsafeBytes { Array($0) }
        // A fresh random nonce every time: a 96-bit nonce repeats only after ~2^48 wraps under one key.
        let box = try! AES.GCM.seal(bytes, using: master, authenticating: Self.wrapContext(id))
        return WrappedKey(masterKeyID: id, bytes: Array(box.combined!))
    }

    /// The data key inside `wrapped`, or nil when the keyring lacks its master key.
    /// A wrapped key that fails authentication under its master key is a broken invariant (the
    /// database holds what crmd wrote): it crashes rather than reading with a wrong key.
    public func unwrap(_ wrapped: WrappedKey) -> SymmetricKey? {
        guard let master = masters[wrapped.masterKeyID] else { return nil }
        guard let box = try? AES.GCM.SealedBox(combined: wrapped.bytes),
            let key = try? AES.GCM.open(box, using: master, authenticating: Self.wrapContext(wrapped.masterKeyID))
        else {
            preconditionFailure("a data key wrapped with master key \(wrapped.masterKeyID) does not open with it: the key file does not match the database")
        }
        return SymmetricKey(data: key)
    }

    /// Whether `wrapped` opens with the keyring's master key of its id: false when the keyring lacks
    /// that key or holds another key under its id (a key file made again for the same database).
    /// For checking a key file against the database before reading with it.
    public func opens(_ wrapped: WrappedKey) -> Bool {
        guard let master = masters[wrapped.masterKeyID], let box = try? AES.GCM.SealedBox(combined: wrapped.bytes) else { return false }
        return (try? AES.GCM.open(box, using: master, authenticating: Self.wrapContext(wrapped.masterKeyID))) != nil
    }

    private static func wrapContext(_ id: String) -> [UInt8] { Array("crm data key under \(id)".utf8) }
}

/// A data key as the database keeps it: wrapped by a master key, named by that key's id.
public struct WrappedKey: Sendable, Equatable {
    public let masterKeyID: String
    public let bytes: [UInt8]

    public init(masterKeyID: String, bytes: [UInt8]) {
        self.masterKeyID = masterKeyID
        self.bytes = bytes
    }
}
