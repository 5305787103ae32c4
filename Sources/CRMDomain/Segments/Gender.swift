/// A member's gender as filters read it. Channels push free text (`gender`, up to 20 characters),
/// kept as sent; filters read it through `spellings`: trimmed and lower-cased, these words (English,
/// Chinese in both scripts, and WeChat's `1` / `2`) are male or female, anything else — or nothing —
/// is `unknown`.
public enum Gender: String, Sendable, CaseIterable {
    case female, male, unknown

    /// The texts (trimmed, lower-case) read as this gender; empty for `unknown` (everything else).
    public var spellings: [String] {
        switch self {
        case .female: return ["f", "female", "w", "woman", "女", "女性", "女士", "2"]
        case .male: return ["m", "male", "man", "男", "男性", "男士", "1"]
        case .unknown: return []
        }
    }

    /// How a pushed text reads (nil: unknown).
    public init(reading text: String?) {
        let t = (text ?? "").trimmingWhitespace().lowercased()
        self = Gender.allCases.first { $0.spellings.contains(t) } ?? .unknown
    }
}
