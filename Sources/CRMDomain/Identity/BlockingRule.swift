/// The blocking rules `PersonFields.blockingKeys` unions, by the prefix of their keys, with the fields
/// each one makes agree. Training estimates a field's `m` from the pairs of rules that leave it free.
public enum BlockingRule: String, CaseIterable, Sendable {
    case birthday = "bd"
    case name = "nm"
    case pinyin = "py"
    case sortedPinyin = "ns"
    case nameAndYear = "ny"
    case surnameAndAddress = "sa"
    /// Added after the others, so the rule bits of samples stored before it keep their meaning.
    case address = "ad"

    /// The fields two records found by this rule agree on (at least in part) by construction.
    public var fields: Set<MatchField> {
        switch self {
        case .birthday: [.birthday]
        case .name, .pinyin, .sortedPinyin: [.name]
        case .nameAndYear: [.name, .birthday]
        // The start of an address names its city, so records found by it share the region too.
        case .surnameAndAddress: [.name, .address, .region]
        case .address: [.address, .region]
        }
    }

    /// The rule a blocking key (`bd:1990-05-17`) belongs to.
    public init?(key: String) {
        guard let colon = key.firstIndex(of: ":") else { return nil }
        self.init(rawValue: String(key[..<colon]))
    }

    /// This rule as one bit of a `TrainingSample.Pattern`'s `rules`.
    public var bit: UInt8 { 1 << UInt8(Self.allCases.firstIndex(of: self)!) }
}
