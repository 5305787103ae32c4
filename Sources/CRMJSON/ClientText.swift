/// Makes text that came from a client safe to put in a log line or an error message: control
/// characters (and the Unicode line separators) are escaped, so a `\n` cannot forge a log line,
/// and the text is cut to a bound, so a 1 MiB method name costs a few hundred bytes, not a MiB.
/// The one place that decides how untrusted text is shown.
public enum ClientText {
    /// Bytes of escaped text kept before cutting.
    public static let defaultMaxBytes = 200

    /// The text escaped and cut to at most `maxBytes` bytes of UTF-8, plus a marker saying how
    /// many bytes of the original were left out (`…(+1048376 bytes)`).
    public static func excerpt(_ text: String, maxBytes: Int = defaultMaxBytes) -> String {
        precondition(maxBytes > 0, "maxBytes must be positive")
        var out = ""
        var usedBytes = 0  // bytes of `text` already shown
        for scalar in text.unicodeScalars {
            let shown = escaped(scalar)
            if out.utf8.count + shown.utf8.count > maxBytes {
                return out + "…(+\(text.utf8.count - usedBytes) bytes)"
            }
            out += shown
            usedBytes += UTF8.width(scalar)
        }
        return out
    }

    /// The text cut to at most `maxBytes` bytes of UTF-8 (on a character boundary) with the same
    /// marker as `excerpt`, not escaped: for text already made printable that goes where it is
    /// escaped anyway (an error's JSON, a log line through the escaping handler).
    public static func cut(_ text: String, maxBytes: Int = defaultMaxBytes) -> String {
        precondition(maxBytes > 0, "maxBytes must be positive")
        guard text.utf8.count > maxBytes else { return text }
        var kept = 0
        for scalar in text.unicodeScalars {
            guard kept + UTF8.width(scalar) <= maxBytes else { break }
            kept += UTF8.width(scalar)
        }
        return String(decoding: text.utf8.prefix(kept), as: UTF8.self) + "…(+\(text.utf8.count - kept) bytes)"
    }

    /// `excerpt` between double quotes, for naming a client's value in a message.
    public static func quoted(_ text: String, maxBytes: Int = defaultMaxBytes) -> String {
        "\"" + excerpt(text, maxBytes: maxBytes) + "\""
    }

    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\\": return "\\\\"
        case "\u{00}"..."\u{1F}", "\u{7F}"..."\u{9F}", "\u{2028}", "\u{2029}":
            return "\\u{" + String(scalar.value, radix: 16) + "}"
        default: return String(scalar)
        }
    }
}
