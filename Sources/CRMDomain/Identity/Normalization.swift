import Foundation

/// Phone numbers compared as E.164 (`+8613800138000`), with mainland China (+86) the default
/// country: spaces, dashes, dots and brackets are dropped, `0086`/`86`/`+86` prefixes recognised.
public enum PhoneNumber {
    /// The E.164 form, or `nil` when the text cannot be a phone number.
    public static func normalize(_ text: String, defaultCountryCode: String = "86") -> String? {
        var digits = ""
        var hadPlus = false
        for (i, scalar) in text.unicodeScalars.enumerated() {
            switch scalar {
            case "0"..."9": digits.unicodeScalars.append(scalar)
            case "０"..."９": digits.unicodeScalars.append(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
            case "+", "＋": if i == 0 || digits.isEmpty { hadPlus = true } else { return nil }
            case " ", "-", ".", "(", ")", "\u{3000}", "\t": continue
            default: return nil
            }
        }
        guard !digits.isEmpty else { return nil }
        var international: String
        if hadPlus {
            international = digits
        } else if digits.hasPrefix("00") {
            international = String(digits.dropFirst(2))
        } else if defaultCountryCode == "86", digits.count == 13, digits.hasPrefix("86") {
            international = digits  // 8613800138000 without the plus
        } else if defaultCountryCode == "86", digits.count == 11, digits.hasPrefix("1") {
            international = "86" + digits  // a mainland mobile number
        } else if digits.hasPrefix("0") {
            international = defaultCountryCode + digits.dropFirst()  // a landline with trunk prefix: 021-…
        } else {
            international = defaultCountryCode + digits
        }
        guard international.count >= 8, international.count <= 15, !international.hasPrefix("0") else { return nil }
        // A mainland mobile number has exactly 11 digits after the country code.
        if international.hasPrefix("861"), international.count != 13 { return nil }
        return "+" + international
    }
}

/// E-mail addresses compared trimmed and lower-cased.
public enum EmailAddress {
    public static func normalize(_ text: String) -> String? {
        let trimmed = text.trimmingWhitespace().lowercased()
        guard trimmed.utf8.count <= 254, let at = trimmed.firstIndex(of: "@"), at != trimmed.startIndex,
            trimmed[trimmed.index(after: at)...].contains("."), !trimmed.contains(" "),
            trimmed.filter({ $0 == "@" }).count == 1, !trimmed.hasSuffix(".")
        else { return nil }
        return trimmed
    }
}

/// Free text (names, addresses, regions) compared after NFKC (full-width forms folded) with runs of
/// white space folded to one space and the ends trimmed.
public enum TextKey {
    public static func normalize(_ text: String) -> String {
        // Printable ASCII and the unified ideographs have no compatibility mapping and compose with
        // nothing: text made only of them skips Foundation's NFKC (most names and addresses; ingest
        // and matching normalise every record they open).
        let folded = text.unicodeScalars.allSatisfy(nfkcStable) ? text : text.precomposedStringWithCompatibilityMapping
        var out = ""
        var pendingSpace = false
        for scalar in folded.unicodeScalars {
            if WhiteSpace.contains(scalar) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func nfkcStable(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x20...0x7E, 0x4E00...0x9FFF, 0x3400...0x4DBF: true
        default: false
        }
    }
}

/// Calendar dates of birth in the formats shops send: `1990-05-17`, `1990/5/17`, `19900517`,
/// `1990.05.17`, `1990年5月17日`. Kept as `YYYY-MM-DD`.
public enum BirthDate {
    public static func normalize(_ text: String) -> String? {
        let t = TextKey.normalize(text)
        var parts: [Int] = []
        if t.count == 8, t.allSatisfy(\.isASCII), let v = Int(t) {
            parts = [v / 10_000, (v / 100) % 100, v % 100]
        } else {
            var current = ""
            for ch in t {
                if ch.isASCII, ch.isNumber {
                    current.append(ch)
                } else if !current.isEmpty {
                    guard ["-", "/", ".", "年", "月", "日"].contains(ch) else { return nil }
                    parts.append(Int(current)!)
                    current = ""
                } else if !["日"].contains(ch) {
                    return nil
                }
            }
            if !current.isEmpty { parts.append(Int(current)!) }
        }
        guard parts.count == 3 else { return nil }
        let (y, m, d) = (parts[0], parts[1], parts[2])
        guard (1900...2100).contains(y), (1...12).contains(m), d >= 1, d <= daysIn(month: m, year: y) else { return nil }
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
