/// A record's fields as matching compares them, written out whole so that a candidate can be read back
/// without deriving its forms again: the screen of a push opens and compares every account that shares
/// a block with a new one, a dozen per new account at 100,000 people, and folding each name to
/// Simplified characters and spelling it in pinyin was a tenth of crmd's time at ingest. crmd seals the
/// text with the account's data key, as every other personal field (`account.match_sealed`).
///
/// The text starts with `v`, `storedFormVersion` and `;`; a form of another version is not read (`init?` fails)
/// and the caller derives the fields from the sealed values instead, as it does for accounts written
/// before there were stored forms. Each part is its length in UTF-8 bytes, `:`, and the text, or `~`
/// for none, so no character of a value needs escaping.
extension PersonFields {
    /// The stored form's version. Raise it when what `init(name:birthday:…forms:)` derives changes
    /// (the compaction, the folding's rules, the pinyin's), so that forms written before are derived again.
    public static let storedFormVersion = 1

    /// Every field, raw and derived, as one text (`init?(storedForm:)` reads it back).
    public var storedForm: String {
        var out = "v\(Self.storedFormVersion);"
        let parts: [String?] = [
            name, birthday, address, region, phone, nameCompact, nameFolded, nameSyllables.joined(separator: " "), addressFolded, regionFolded,
        ]
        for part in parts {
            guard let part else {
                out += "~"
                continue
            }
            out += "\(part.utf8.count):\(part)"
        }
        return out
    }

    /// The fields `storedForm` wrote; nil when `text` is of another version or is not a stored form.
    public init?(storedForm text: String) {
        var reader = StoredFormReader(text.utf8)
        guard reader.version() == Self.storedFormVersion else { return nil }
        var parts: [String?] = []
        parts.reserveCapacity(10)
        for _ in 0..<10 {
            guard let part = reader.part() else { return nil }
            parts.append(part)
        }
        guard reader.atEnd, let compact = parts[5], let folded = parts[6], let syllables = parts[7], let address = parts[8], let region = parts[9]
        else { return nil }
        self.init(
            name: parts[0], birthday: parts[1], address: parts[2], region: parts[3], phone: parts[4],
            derived: (compact, folded, syllables.split(separator: " ").map(String.init), address, region))
    }

    /// The fields with their derived forms given, as `storedForm` holds them.
    private init(
        name: String?, birthday: String?, address: String?, region: String?, phone: String?,
        derived: (nameCompact: String, nameFolded: String, nameSyllables: [String], addressFolded: String, regionFolded: String)
    ) {
        self.name = name
        self.birthday = birthday
        self.address = address
        self.region = region
        self.phone = phone
        nameCompact = derived.nameCompact
        nameFolded = derived.nameFolded
        nameSyllables = derived.nameSyllables
        namePinyin = derived.nameSyllables.joined()
        addressFolded = derived.addressFolded
        regionFolded = derived.regionFolded
    }
}

/// Reads a stored form's parts from its UTF-8 bytes.
private struct StoredFormReader {
    private let bytes: [UInt8]
    private var at = 0

    init(_ utf8: String.UTF8View) { bytes = Array(utf8) }

    var atEnd: Bool { at == bytes.count }

    /// `v`, a decimal number and `;`.
    mutating func version() -> Int? {
        guard at < bytes.count, bytes[at] == UInt8(ascii: "v") else { return nil }
        at += 1
        guard let version = number(), at < bytes.count, bytes[at] == UInt8(ascii: ";") else { return nil }
        at += 1
        return version
    }

    /// One part: `~` (none, as `.some(nil)`) or a length, `:` and that many bytes; nil when malformed.
    mutating func part() -> String?? {
        guard at < bytes.count else { return nil }
        if bytes[at] == UInt8(ascii: "~") {
            at += 1
            return .some(nil)
        }
        guard let length = number(), at < bytes.count, bytes[at] == UInt8(ascii: ":") else { return nil }
        at += 1
        guard length <= bytes.count - at else { return nil }
        defer { at += length }
        return .some(String(decoding: bytes[at..<at + length], as: UTF8.self))
    }

    private mutating func number() -> Int? {
        var value = 0, digits = 0
        while at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9"), digits < 9 {
            value = value * 10 + Int(bytes[at] - UInt8(ascii: "0"))
            at += 1
            digits += 1
        }
        return digits == 0 ? nil : value
    }
}
