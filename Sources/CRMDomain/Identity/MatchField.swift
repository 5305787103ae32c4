/// The fields a probabilistic match compares, in the fixed order of a `ComparisonVector`.
public enum MatchField: String, CaseIterable, Sendable, Codable {
    case name, birthday, address, region, phone

    /// Position in a `ComparisonVector`.
    public var index: Int { Self.allCases.firstIndex(of: self)! }

    /// The levels a comparison of this field can reach, strongest first (the last one is
    /// disagreement). `FieldComparison` decides which one two values reach.
    public var levels: [String] {
        switch self {
        case .name: ["exact", "script", "pinyin", "swapped", "partial", "one_edit", "similar", "different"]
        case .birthday: ["exact", "day_month_swapped", "one_digit", "different"]
        case .address: ["exact", "near", "similar", "weak", "different"]
        case .region, .phone: ["exact", "different"]
        }
    }
}
