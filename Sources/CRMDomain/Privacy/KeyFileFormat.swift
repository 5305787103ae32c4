import CRMJSON
import Crypto
import Foundation

/// The key file's contents: the master keys by id (one of them current, the one new data keys are
/// wrapped with) and the blind-index key. JSON, so an operator can see which key ids it holds:
/// `{"format":"crm-keys-1","current":"m1","master":{"m1":"<base64>"},"index":"<base64>"}`.
public struct KeyFileFormat: Sendable, Equatable {
    public static let format = "crm-keys-1"
    /// Bytes of every key (AES-256 and HMAC-SHA-256 keys alike).
    public static let keyBytes = 32
    /// Master key ids: short, so that they cost little on every wrapped data key.
    public static let maxMasterKeys = 64

    public var current: String
    public var master: [String: [UInt8]]
    public var index: [UInt8]

    public init(current: String, master: [String: [UInt8]], index: [UInt8]) {
        precondition(master[current] != nil, "the current master key is one of the master keys")
        self.current = current
        self.master = master
        self.index = index
    }

    /// A new key file: one master key `m1` and an index key, from the system's random source.
    public static func generate() -> KeyFileFormat {
        KeyFileFormat(current: "m1", master: ["m1": randomKey()], index: randomKey())
    }

    /// The same keys with a new master key made current (`m<n+1>`, n the highest number of an `m`
    /// id so far, so an id retired from the file is never given to another key); the old ones stay
    /// to unwrap data keys not yet rewrapped.
    public func rotated() -> KeyFileFormat {
        var n = (master.keys.compactMap { $0.hasPrefix("m") ? Int($0.dropFirst()) : nil }.max() ?? 0) + 1
        while master["m\(n)"] != nil { n += 1 }
        var next = self
        next.master["m\(n)"] = Self.randomKey()
        next.current = "m\(n)"
        return next
    }

    static func randomKey() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// Why `text` is not a key file, or the keys it holds.
    public static func parse(_ text: String) -> Result<KeyFileFormat, KeyFileProblem> {
        guard case .object(let o)? = try? JSONParser.parse(text) else { return .failure(KeyFileProblem("is not a JSON object")) }
        guard case .string(Self.format)? = o["format"] else { return .failure(KeyFileProblem("has no \"format\": \"\(Self.format)\"")) }
        guard case .string(let current)? = o["current"] else { return .failure(KeyFileProblem("names no \"current\" master key")) }
        guard case .object(let masters)? = o["master"], (1...maxMasterKeys).contains(masters.count) else {
            return .failure(KeyFileProblem("holds no \"master\" keys (1 to \(maxMasterKeys))"))
        }
        var master: [String: [UInt8]] = [:]
        for (id, value) in masters {
            guard MasterKeyID.isValid(id) else { return .failure(KeyFileProblem("has a master key id \"\(id)\" that is not 1 to 16 letters or digits")) }
            guard case .string(let b64) = value, let key = decodeKey(b64) else {
                return .failure(KeyFileProblem("master key \(id) is not \(keyBytes) bytes of base64"))
            }
            master[id] = key
        }
        guard master[current] != nil else { return .failure(KeyFileProblem("names current master key \(current), which it does not hold")) }
        guard case .string(let indexText)? = o["index"], let index = decodeKey(indexText) else {
            return .failure(KeyFileProblem("has no \"index\" key of \(keyBytes) bytes of base64"))
        }
        return .success(KeyFileFormat(current: current, master: master, index: index))
    }

    /// The file's text (keys in id order, so rewrites differ only where the keys do).
    public func serialized() -> String {
        var masters: JSONObject = [:]
        for (id, key) in master { masters[id] = .string(Data(key).base64EncodedString()) }
        let o: JSONObject = [
            "format": .string(Self.format), "current": .string(current), "master": .object(masters),
            "index": .string(Data(index).base64EncodedString()),
        ]
        return JSONSerializer.canonicalObject(o) + "\n"
    }

    private static func decodeKey(_ text: String) -> [UInt8]? {
        guard let data = Data(base64Encoded: text), data.count == keyBytes else { return nil }
        return Array(data)
    }
}

/// What is wrong with a key file (the caller names the file).
public struct KeyFileProblem: Error, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// Master key ids: 1 to 16 ASCII letters or digits.
public enum MasterKeyID {
    public static func isValid(_ id: String) -> Bool {
        (1...16).contains(id.utf8.count) && id.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }
    }
}
