import Crypto
import Foundation

/// One member's data key in use: seals personal fields into the text the `*_sealed` columns hold
/// and opens them again. A sealed value is `"<data key id>.<base64 of nonce, ciphertext, tag>"`
/// (AES-256-GCM), so the key it needs is known without trying; the id is also authenticated, so a
/// value cannot be passed off as another key's.
public struct FieldCipher: Sendable {
    public let keyID: Int64
    private let key: SymmetricKey
    /// What every value sealed under this key authenticates besides itself (made once: ingest opens
    /// and seals dozens of values a push under each key).
    private let context: [UInt8]
    private let prefix: String

    public init(keyID: Int64, key: SymmetricKey) {
        precondition(keyID > 0, "data key ids are positive")
        self.keyID = keyID
        self.key = key
        context = Self.context(keyID)
        prefix = "\(keyID)."
    }

    public func seal(_ value: String?) -> String? {
        guard let value else { return nil }
        let box = try! AES.GCM.seal(Array(value.utf8), using: key, nonce: NonceSource.shared.next(), authenticating: context)
        return prefix + box.combined!.base64EncodedString()
    }

    /// The value inside `sealed`, which must be sealed under this key: anything else is a broken
    /// invariant (a value moved between rows), not bad input.
    public func open(_ sealed: String?) -> String? {
        guard let sealed else { return nil }
        guard let (id, body) = Self.split(sealed), id == keyID else {
            preconditionFailure("a sealed value is not under data key \(keyID)")
        }
        guard let data = Base64.decode(body.utf8), let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key, authenticating: context)
        else {
            preconditionFailure("a value sealed under data key \(keyID) does not open with it")
        }
        return String(decoding: plain, as: UTF8.self)
    }

    /// The data key id a sealed value names, or nil when `sealed` is not a sealed value.
    public static func keyID(of sealed: String) -> Int64? { split(sealed)?.0 }

    private static func split(_ sealed: String) -> (Int64, Substring)? {
        guard let dot = sealed.firstIndex(of: "."), let id = Int64(sealed[..<dot]), id > 0 else { return nil }
        return (id, sealed[sealed.index(after: dot)...])
    }

    private static func context(_ id: Int64) -> [UInt8] { Array("crm field under data key \(id)".utf8) }
}
