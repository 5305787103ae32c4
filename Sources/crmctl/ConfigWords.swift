import ArgumentParser
import CRMCommandLine
import CRMProtocol

/// How `crmctl config` reads settings written the operator's way (`30d`, `30%`, `12-31`,
/// `100,200,300`, `>300`, `3+`) into the setting's JSON. Bad input is a `ValidationError`
/// naming the flag, before anything is sent; the server checks again.
enum ConfigWords {
    /// Days written `30` or `30d`, within `range`.
    static func days(_ text: String, flag: String, range: ClosedRange<Int>) throws -> Int {
        guard let n = Formats.days(text), range.contains(n) else {
            throw ValidationError("\(flag) must be a number of days from \(range.lowerBound) to \(range.upperBound), like 30 or 30d")
        }
        return n
    }

    /// A percentage written `30` or `30%`, 1 to 100.
    static func percent(_ text: String, flag: String) throws -> Int {
        let number = text.hasSuffix("%") ? String(text.dropLast()) : text
        guard let n = Int(number), (1...100).contains(n) else { throw ValidationError("\(flag) must be a percentage from 1 to 100, like 30%") }
        return n
    }

    /// A day of the year written `MM-DD` (`12-31`).
    static func monthDay(_ text: String) throws -> (month: Int, day: Int) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let lengths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard parts.count == 2, let month = Int(parts[0]), let day = Int(parts[1]), (1...12).contains(month), (1...lengths[month - 1]).contains(day) else {
            throw ValidationError("--on must be a day of the year written MM-DD, like 12-31")
        }
        return (month, day)
    }

    /// A rising list of whole numbers, 1 to 9 of them: `30,90,180`.
    static func risingCounts(_ text: String, flag: String, range: ClosedRange<Int>) throws -> [Int] {
        let items = text.split(separator: ",").map { $0.trimmingWhitespace }
        let numbers = items.compactMap { Formats.days($0) }
        guard (1...9).contains(items.count), numbers.count == items.count, numbers.allSatisfy(range.contains),
            zip(numbers, numbers.dropFirst()).allSatisfy({ $0 < $1 })
        else {
            throw ValidationError("\(flag) must be 1 to 9 rising whole numbers separated by commas, like 30,90,180")
        }
        return numbers
    }

    /// A rising list of amounts in yuan, 1 to 9 of them: `100,200,300`.
    static func risingAmounts(_ text: String, flag: String) throws -> [String] {
        let items = text.split(separator: ",").map { $0.trimmingWhitespace }
        let fens = items.compactMap(fen)
        guard (1...9).contains(items.count), fens.count == items.count, fens.allSatisfy({ $0 > 0 }), zip(fens, fens.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw ValidationError("\(flag) must be 1 to 9 rising amounts in yuan separated by commas, like 100,200,300")
        }
        return fens.map { Formats.yuan(fen: $0) }
    }

    /// Yuan with at most two decimals as fen (`299.5` → 29950); nil for anything else.
    static func fen(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].count <= 12, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
            let whole = Int64(parts[0])
        else { return nil }
        guard parts.count == 2 else { return whole * 100 }
        guard (1...2).contains(parts[1].count), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let cents = Int64(parts[1]) else { return nil }
        return whole * 100 + (parts[1].count == 1 ? cents * 10 : cents)
    }

    /// A purchase count range: `3+`, `2`, `1-2`.
    static func purchases(_ text: String) throws -> JSONObject {
        let bad = ValidationError("--purchases must be a count (2), at least a count (3+), or a range (1-2)")
        if text.hasSuffix("+") {
            guard let low = Int(text.dropLast()), low >= 1 else { throw bad }
            return ["min_purchases": .int(low)]
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let low = Int(parts[0]), let high = Int(parts[parts.count - 1]), 1 <= low, low <= high else { throw bad }
        return ["min_purchases": .int(low), "max_purchases": .int(high)]
    }

    /// Bounds on the average order: `>300`, `>=200`, `<100`, `<=300`, `200-300`, joined by commas; `any` for none.
    static func average(_ text: String) throws -> JSONObject {
        let bad = ValidationError("--average must be bounds in yuan like >300, >=200, <100, <=300, 200-300 (joined by commas), or any")
        guard text != "any" else { return [:] }
        var out = JSONObject()
        for item in text.split(separator: ",").map({ $0.trimmingWhitespace }) {
            let forms: [(prefix: String, key: String)] = [
                (">=", "average_from"), ("≥", "average_from"), ("<=", "average_to"), ("≤", "average_to"),
                (">", "average_above"), ("<", "average_below"),
            ]
            if let form = forms.first(where: { item.hasPrefix($0.prefix) }) {
                guard out[form.key] == nil, let f = fen(String(item.dropFirst(form.prefix.count)).trimmingWhitespace) else { throw bad }
                out[form.key] = .string(Formats.yuan(fen: f))
                continue
            }
            let ends = item.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingWhitespace }
            guard ends.count == 2, out["average_from"] == nil, out["average_to"] == nil, let low = fen(ends[0]), let high = fen(ends[1]), low <= high else {
                throw bad
            }
            out["average_from"] = .string(Formats.yuan(fen: low))
            out["average_to"] = .string(Formats.yuan(fen: high))
        }
        guard !(out["average_from"] != nil && out["average_above"] != nil), !(out["average_to"] != nil && out["average_below"] != nil) else { throw bad }
        return out
    }

    /// Whether a blocked key's stored value is the one typed: equal, or for e-mails equal but for
    /// case, or for phones the same digits once the country code and trunk zero are set aside.
    static func sameKey(_ kind: String, stored: String, typed: String) -> Bool {
        if stored == typed { return true }
        switch kind {
        case "email": return stored == typed.trimmingWhitespace.lowercased()
        case "phone":
            var digits = typed.filter { $0.isASCII && $0.isNumber }
            while digits.hasPrefix("0") { digits.removeFirst() }
            return digits.count >= 7 && stored.filter { $0.isASCII && $0.isNumber }.hasSuffix(digits)
        default: return false
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces.
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
