/// How the clients write and read the numbers and dates of points and levels. Money and points
/// are integers end to end: nothing here goes through `Double`.
public enum Formats {
    /// A change of points with its sign: `+399`, `-100`, `0`.
    public static func signedPoints(_ points: Int64) -> String {
        points > 0 ? "+\(points)" : String(points)
    }

    /// Integer fen as yuan with two decimals: `39900` → `399.00`, `-5` → `-0.05`.
    public static func yuan(fen: Int64) -> String {
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return (fen < 0 ? "-" : "") + "\(magnitude / 100)." + (cents < 10 ? "0" : "") + "\(cents)"
    }

    /// Whether `text` is a calendar date written `YYYY-MM-DD` (a real day: no 2026-02-30).
    public static func isCalendarDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            year >= 1, (1...12).contains(month)
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    /// Whether `text` looks like an RFC 3339 timestamp with an offset (`2026-11-11T00:00:00+08:00`,
    /// `2026-11-11T00:00:00.000Z`). The server checks it again; this catches typos before sending.
    public static func isTimestamp(_ text: String) -> Bool {
        let chars = Array(text.utf8)
        guard chars.count >= 20, isCalendarDate(String(decoding: chars[0..<10], as: UTF8.self)),
            chars[10] == UInt8(ascii: "T") || chars[10] == UInt8(ascii: "t")
        else { return false }
        func digits(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= chars.count, chars[range].allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            return Int(String(decoding: chars[range], as: UTF8.self))
        }
        guard let hour = digits(11..<13), chars[13] == UInt8(ascii: ":"), let minute = digits(14..<16), chars[16] == UInt8(ascii: ":"),
            let second = digits(17..<19), hour < 24, minute < 60, second < 61
        else { return false }
        var i = 19
        if i < chars.count, chars[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < chars.count, (0x30...0x39).contains(chars[i]) { i += 1 }
            guard i > start else { return false }
        }
        guard i < chars.count else { return false }
        if chars[i] == UInt8(ascii: "Z") || chars[i] == UInt8(ascii: "z") { return i + 1 == chars.count }
        guard chars[i] == UInt8(ascii: "+") || chars[i] == UInt8(ascii: "-"), i + 6 == chars.count,
            let offsetHours = digits(i + 1..<i + 3), chars[i + 3] == UInt8(ascii: ":"), let offsetMinutes = digits(i + 4..<i + 6),
            offsetHours < 24, offsetMinutes < 60
        else { return false }
        return true
    }

    /// A measured quantity (days between purchases, a score) for people to read: rounded to
    /// `decimals` places, trailing zeros dropped (`26.849652777777777` → `26.8`, `27.0` → `27`).
    /// The server's JSON keeps full precision for scripts; this is display only, never money.
    public static func rounded(_ value: Double, decimals: Int = 1) -> String {
        precondition((0...6).contains(decimals))
        guard value.isFinite else { return String(value) }
        var scale: Double = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value.magnitude * scale).rounded()
        guard scaled < 9e15 else { return String(Int64(value.rounded())) }
        let units = Int64(scaled), whole = units / Int64(scale)
        guard decimals > 0 else { return (value < 0 && units > 0 ? "-" : "") + "\(whole)" }
        var fraction = String(units % Int64(scale))
        fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return (value < 0 && units > 0 ? "-" : "") + "\(whole)" + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// A length of time in seconds as people say it: `45 s`, `12 min`, `3.5 h`, `2.1 days`.
    public static func duration(seconds: Double) -> String {
        if seconds < 60 { return "\(rounded(seconds, decimals: 0)) s" }
        if seconds < 3_600 { return "\(rounded(seconds / 60, decimals: 0)) min" }
        if seconds < 86_400 { return "\(rounded(seconds / 3_600)) h" }
        return "\(rounded(seconds / 86_400)) days"
    }

    /// A number of days written `30` or `30d`.
    public static func days(_ text: String) -> Int? {
        let number = text.hasSuffix("d") ? String(text.dropLast()) : text
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(number)
    }
}
