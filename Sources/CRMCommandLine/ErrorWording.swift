import CRMProtocol

/// How a client tells a server's error in its own user's words. The server's messages name no
/// method; a field error names the wire field (`external_id`), which a client knows as a flag
/// (`--external-id`), and a reason (`tag_not_found`) may call for the command that helps. A client
/// passes its one table of both to `runClientCommand`.
public struct ErrorWording: Sendable {
    /// Wire field name → what the user typed (`--external-id`, `<member-id>`).
    public var fields: [String: String]
    /// Error reason → what to do, in the client's commands.
    public var hints: [String: String]

    public init(fields: [String: String] = [:], hints: [String: String] = [:]) {
        self.fields = fields
        self.hints = hints
    }

    /// The last name in a field path: `events[3].member.phone` → `phone`.
    static func leaf(_ path: String) -> String {
        let last = path.split(separator: ".").last.map(String.init) ?? path
        return last.firstIndex(of: "[").map { String(last[..<$0]) } ?? last
    }

    /// The user's word for a field path, or the path itself when the client has none.
    public func word(forField path: String) -> String { fields[Self.leaf(path)] ?? path }

    /// One line: the message with wire field names in the user's words, the field, a hint, and
    /// `[code reason]`.
    public func text(_ error: RPCError) -> String {
        var message = error.message
        // Only snake_case names are rewritten: plain words ("phone") are also English.
        for (field, word) in fields where field.contains("_") { message = Self.replacingWord(field, with: word, in: message) }
        var out = message
        if let field = error.field {
            let word = word(forField: field)
            out += fields[Self.leaf(field)] == nil ? " (at \(word))" : " (\(word))"
        }
        if let hint = hints[error.reason.rawValue] { out += "; " + hint }
        return out + " [\(error.code) \(error.reason)]"
    }

    /// `text` with whole-word occurrences of `word` replaced (a word: letters, digits, `_`).
    static func replacingWord(_ word: String, with replacement: String, in text: String) -> String {
        func isWordChar(_ c: Character?) -> Bool { c.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
        var out = ""
        var rest = Substring(text)
        while let range = rest.range(of: word) {
            let before = range.lowerBound == rest.startIndex ? out.last : rest[rest.index(before: range.lowerBound)]
            let after = range.upperBound == rest.endIndex ? nil : rest[range.upperBound]
            out += rest[..<range.lowerBound]
            out += isWordChar(before) || isWordChar(after) ? word : replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
