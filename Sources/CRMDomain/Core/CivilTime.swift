/// Instants and calendar dates without Foundation: RFC 3339 text to seconds since the epoch and
/// back, and the merchant's local calendar (a fixed UTC offset) for dates, month ends and days.
public enum CivilTime {
    /// Seconds since 1970-01-01T00:00:00Z of an RFC 3339 timestamp (fractions dropped), or nil.
    public static func seconds(rfc3339 text: String) -> Int64? {
        guard Timestamp.isRFC3339(text) else { return nil }
        let c = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64 { range.reduce(0) { $0 * 10 + Int64(c[$1] - 0x30) } }
        let days = daysFromCivil(year: number(0..<4), month: number(5..<7), day: number(8..<10))
        var s = days * 86_400 + number(11..<13) * 3_600 + number(14..<16) * 60 + min(number(17..<19), 59)
        var i = 19
        if c[i] == 0x2E { i += 1; while c[i] >= 0x30 && c[i] <= 0x39 { i += 1 } }
        if c[i] == 0x2B || c[i] == 0x2D {
            let offset = number(i + 1..<i + 3) * 3_600 + number(i + 4..<i + 6) * 60
            s += c[i] == 0x2B ? -offset : offset
        }
        return s
    }

    /// `YYYY-MM-DD` as (year, month, day), or nil.
    public static func date(_ text: String) -> (year: Int64, month: Int64, day: Int64)? {
        let c = Array(text.utf8)
        guard c.count == 10, c[4] == 0x2D, c[7] == 0x2D else { return nil }
        var parts: [Int64] = []
        for range in [0..<4, 5..<7, 8..<10] {
            var v: Int64 = 0
            for i in range {
                guard c[i] >= 0x30, c[i] <= 0x39 else { return nil }
                v = v * 10 + Int64(c[i] - 0x30)
            }
            parts.append(v)
        }
        guard (1900...2200).contains(parts[0]), (1...12).contains(parts[1]),
            parts[2] >= 1, parts[2] <= Int64(BirthDate.daysIn(month: Int(parts[1]), year: Int(parts[0])))
        else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    /// The first instant of the local day after `date` (the end of that day), in UTC seconds.
    public static func endOfDay(_ date: (year: Int64, month: Int64, day: Int64), offsetMinutes: Int) -> Int64 {
        (daysFromCivil(year: date.year, month: date.month, day: date.day) + 1) * 86_400 - Int64(offsetMinutes) * 60
    }

    /// The local calendar date of an instant.
    public static func localDate(_ seconds: Int64, offsetMinutes: Int) -> (year: Int64, month: Int64, day: Int64) {
        let local = seconds + Int64(offsetMinutes) * 60
        return civilFromDays(floorDiv(local, 86_400))
    }

    /// `YYYY-MM-DD` of an instant in the local calendar.
    public static func localDateText(_ seconds: Int64, offsetMinutes: Int) -> String {
        let d = localDate(seconds, offsetMinutes: offsetMinutes)
        return pad(d.year, 4) + "-" + pad(d.month, 2) + "-" + pad(d.day, 2)
    }

    /// `months` calendar months after an instant, in local time; a day past the month's end is
    /// clamped (31 January + 1 month = 28 or 29 February).
    public static func addingMonths(_ months: Int64, to seconds: Int64, offsetMinutes: Int) -> Int64 {
        let local = seconds + Int64(offsetMinutes) * 60
        let days = floorDiv(local, 86_400)
        let timeOfDay = local - days * 86_400
        let d = civilFromDays(days)
        let total = d.year * 12 + (d.month - 1) + months
        let year = floorDiv(total, 12), month = total - year * 12 + 1
        let day = min(d.day, Int64(BirthDate.daysIn(month: Int(month), year: Int(year))))
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + timeOfDay - Int64(offsetMinutes) * 60
    }

    /// The first instant of the local month after the one holding `seconds`.
    public static func startOfNextMonth(_ seconds: Int64, offsetMinutes: Int) -> Int64 {
        let d = localDate(seconds, offsetMinutes: offsetMinutes)
        let next = d.month == 12 ? (d.year + 1, Int64(1)) : (d.year, d.month + 1)
        return daysFromCivil(year: next.0, month: next.1, day: 1) * 86_400 - Int64(offsetMinutes) * 60
    }

    /// The first instant of the local year after the one holding `seconds`.
    public static func startOfNextYear(_ seconds: Int64, offsetMinutes: Int) -> Int64 {
        let d = localDate(seconds, offsetMinutes: offsetMinutes)
        return daysFromCivil(year: d.year + 1, month: 1, day: 1) * 86_400 - Int64(offsetMinutes) * 60
    }

    /// RFC 3339 in UTC (`2026-03-01T02:00:00Z`).
    public static func rfc3339(_ seconds: Int64) -> String {
        let days = floorDiv(seconds, 86_400)
        let t = seconds - days * 86_400
        let d = civilFromDays(days)
        return pad(d.year, 4) + "-" + pad(d.month, 2) + "-" + pad(d.day, 2) + "T" + pad(t / 3_600, 2) + ":" + pad(t / 60 % 60, 2) + ":" + pad(t % 60, 2) + "Z"
    }

    /// Parses a UTC offset `+08:00` / `-05:30` / `Z` into minutes.
    public static func offsetMinutes(_ text: String) -> Int? {
        if text == "Z" || text == "+00:00" { return 0 }
        let c = Array(text.utf8)
        guard c.count == 6, c[0] == 0x2B || c[0] == 0x2D, c[3] == 0x3A,
            let h = Int(String(decoding: c[1..<3], as: UTF8.self)), let m = Int(String(decoding: c[4..<6], as: UTF8.self)),
            h <= 14, m < 60, c[1...2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), c[4...5].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        return (c[0] == 0x2D ? -1 : 1) * (h * 60 + m)
    }

    public static func offsetText(_ minutes: Int) -> String {
        let sign = minutes < 0 ? "-" : "+"
        return sign + pad(Int64(abs(minutes) / 60), 2) + ":" + pad(Int64(abs(minutes) % 60), 2)
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
