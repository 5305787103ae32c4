/// What probabilistic matching compares of one account or member: its personal fields, normalised,
/// and the forms derived from them once (folded to Simplified Chinese, pinyin), so that comparing
/// one record with a hundred candidates folds each of them once.
public struct PersonFields: Sendable, Equatable {
    /// NFKC, white space folded (`TextKey.normalize`); nil when empty.
    public let name: String?
    /// `YYYY-MM-DD`.
    public let birthday: String?
    public let address: String?
    public let region: String?
    /// Normalised phone (E.164). Sharing one is counter-evidence only when it differs: two records
    /// with different phones never merge by themselves.
    public let phone: String?

    /// The name lower-cased without spaces and punctuation, as written.
    public let nameCompact: String
    /// `nameCompact` folded to Simplified Chinese.
    public let nameFolded: String
    /// The folded name's pinyin syllables (Latin words kept as words).
    public let nameSyllables: [String]
    /// The syllables run together: `wangxiaoming`, the same for `王小明`, `王曉明` and `Wang Xiaoming`.
    public let namePinyin: String
    /// The address lower-cased, compact, folded to Simplified Chinese.
    public let addressFolded: String
    /// The region compact and folded.
    public let regionFolded: String

    public init(name: String?, birthday: String?, address: String?, region: String?, phone: String?, forms: any ScriptForms) {
        self.name = Self.present(name)
        self.birthday = birthday
        self.address = Self.present(address)
        self.region = Self.present(region)
        self.phone = phone
        nameCompact = self.name.map(TextSimilarity.compact) ?? ""
        nameFolded = forms.fold(nameCompact)
        let syllables = self.name.map { forms.pinyin(forms.fold($0)) } ?? ""
        nameSyllables = syllables.split(separator: " ").map { TextSimilarity.compact(String($0)) }.filter { !$0.isEmpty }
        namePinyin = nameSyllables.joined()
        addressFolded = self.address.map { forms.fold(TextSimilarity.compact($0)) } ?? ""
        regionFolded = self.region.map { forms.fold(TextSimilarity.compact($0)) } ?? ""
    }

    private static func present(_ text: String?) -> String? {
        text.map(TextKey.normalize).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The family name as matching guesses it: the first folded character of a Chinese name, else the
    /// first word.
    public var surname: String? {
        guard let first = nameFolded.unicodeScalars.first else { return nil }
        if first.properties.isIdeographic { return String(first) }
        return nameSyllables.first
    }

    /// The most characters of a blocking key's address part: a street and number, not the unit.
    public static let addressBlockLength = 8

    /// Keys under which candidates are looked up (blocking): only records sharing one are compared.
    /// Several rules, unioned, so that a record with one field missing or mistyped still meets its
    /// other records through another rule:
    /// `bd:` birthday; `nm:` folded name; `py:` pinyin; `ns:` the pinyin's letters sorted (given and
    /// family name in either order); `ny:` the first two folded name characters and the birth year;
    /// `sa:` surname and the start of the address; `ad:` the whole address (a household: its records
    /// meet whatever their names, a record without surname or birthday included).
    public var blockingKeys: [String] {
        var keys: [String] = []
        if let birthday { keys.append("bd:" + birthday) }
        if !nameFolded.isEmpty {
            keys.append("nm:" + nameFolded)
            if let birthday { keys.append("ny:" + String(nameFolded.prefix(2)) + "|" + birthday.prefix(4)) }
        }
        if namePinyin.count >= 2 {
            keys.append("py:" + namePinyin)
            keys.append("ns:" + String(namePinyin.sorted()))
        }
        if let surname, addressFolded.count >= 4 {
            keys.append("sa:" + surname + "|" + String(addressFolded.prefix(Self.addressBlockLength)))
        }
        if let address = addressFrequencyKey { keys.append(address) }
        var seen = Set<String>()
        return keys.filter { seen.insert($0).inserted }
    }

    /// The blocking key under which accounts with this name are also counted for the name's frequency:
    /// the folded name's (`nm:`); for a name written in Latin letters its pinyin's (`py:`). Few records
    /// spell a name in Latin letters, so counted as written Chen Wei would look rare however common
    /// 陈伟 is, and what a Latin spelling agrees on with a name in characters is its sound.
    public var nameFrequencyKey: String? {
        guard !nameFolded.isEmpty else { return nil }
        if spelledInLatin { return namePinyin.count >= 2 ? "py:" + namePinyin : nil }
        return "nm:" + nameFolded
    }

    /// Whether `other` holds this record's `nameFrequencyKey` (is counted among the name's holders).
    public func sharesNameFrequencyKey(with other: PersonFields) -> Bool {
        spelledInLatin ? !namePinyin.isEmpty && other.namePinyin == namePinyin : !nameFolded.isEmpty && other.nameFolded == nameFolded
    }

    /// Whether the name has no Chinese character (`Wang Xiaoming`).
    var spelledInLatin: Bool { !nameFolded.unicodeScalars.contains { $0.properties.isIdeographic } }

    /// The address's blocking key (`ad:`, the whole address folded and compact), under which accounts
    /// at this address are also counted for the address's frequency; nil for an address too short to
    /// say where someone lives.
    public var addressFrequencyKey: String? { addressFolded.count >= Self.addressBlockLength ? "ad:" + addressFolded : nil }
}
