import Foundation

/// CSV as every client writes it (RFC 4180): fields separated by commas, rows ended by `\n`, a
/// field quoted when it holds a comma, a quote or a line break, or starts or ends with a space
/// (which spreadsheets would otherwise trim), with its quotes doubled.
public enum CSV {
    /// One field, quoted when it has to be.
    public static func field(_ text: String) -> String {
        // Scalars, not characters: "\r\n" is one character, equal to neither "\r" nor "\n".
        let needsQuotes =
            text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            || text.first == " " || text.last == " "
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One row, with its line ending.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }
}
