/// How person text is folded before it is compared: Traditional to Simplified Chinese, and Chinese
/// characters to their pinyin. The domain compares; the module that holds the conversion tables
/// (CRMText's `ChineseForms`, from OpenCC and ICU) provides them, so the rules stay free of I/O.
public protocol ScriptForms: Sendable {
    /// The text with every Traditional character replaced by its Simplified form.
    func fold(_ text: String) -> String
    /// Toneless pinyin syllables separated by single spaces (`王小明` → `wang xiao ming`); other
    /// characters kept, lower-cased, with runs of them as one word (`Wang Xiaoming` → `wang xiaoming`).
    func pinyin(_ text: String) -> String
}

/// No folding and no pinyin beyond lower-casing: for rules that must not depend on conversion tables
/// (tests of the domain without OpenCC).
public struct PlainForms: ScriptForms {
    public init() {}
    public func fold(_ text: String) -> String { text }
    public func pinyin(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0 == " " }).joined(separator: " ")
    }
}
