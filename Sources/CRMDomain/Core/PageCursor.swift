/// The opaque `cursor` of paged lists: the position after the last item returned, encoded so that
/// clients treat it as a token rather than something to build. Versioned for future change.
public enum PageCursor {
    /// Largest page a client may ask for.
    public static let maxLimit = 1_000
    public static let defaultLimit = 100

    /// Encodes the key of the last item of a page.
    public static func encode(_ key: String) -> String {
        "c1."
            + Array(key.utf8).map { byte -> String in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
    }

    /// Decodes a cursor made by `encode`; `nil` when it was not.
    public static func decode(_ cursor: String) -> String? {
        guard cursor.hasPrefix("c1."), cursor.utf8.count <= 1_000 else { return nil }
        let hex = Array(cursor.utf8.dropFirst(3))
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var i = 0
        while i < hex.count {
            guard let byte = UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
            i += 2
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
