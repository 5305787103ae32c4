/// A tag's name and group, checked.
public enum TagName {
    public static let maxLength = 64

    /// The trimmed name, or nil when it is empty, too long or has control characters.
    public static func validated(_ text: String) -> String? {
        let t = text.trimmingWhitespace()
        guard !t.isEmpty, t.count <= maxLength, !t.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return nil }
        return t
    }
}
