import CRMJSON

/// The conditions that find a campaign's audience by profile (e-mail domain, gender, age,
/// birthday, pushed attributes) and by returns and payment methods, and the fixed date periods
/// (`from` / `until`) accepted wherever `within_days` is.
extension SegmentFilterParser {
    /// The members that say which orders (or refunds, or lots) a windowed condition counts.
    static let windowKeys = ["within_days", "from", "until"]

    /// Oldest age an `age` condition may name.
    static let maxAge: Int64 = 150

    /// `within_days`, or a period of dates (`from`, `until`, either or both), never both.
    func window(_ o: JSONObject, _ path: String) throws(SegmentFilterError) -> (days: Int?, period: DatePeriod?) {
        let days = try days(o["within_days"], path + ".within_days")
        let from = try date(o["from"], path + ".from")
        let until = try date(o["until"], path + ".until")
        guard from != nil || until != nil else { return (days, nil) }
        guard days == nil else { throw fail(path + ".within_days", .badFilter, "give within_days or from / until, not both") }
        if let from, let until, from >= until { throw fail(path + ".until", .outOfRange, "until must be after from") }
        return (nil, DatePeriod(from: from, until: until))
    }

    func audienceCondition(_ key: String, _ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        switch key {
        case "email_domain": return .emailDomain(try emailDomains(v, path))
        case "gender": return .gender(try genders(v, path))
        case "age":
            let o = try object(v, path, allowed: ["min", "max"])
            let r = try range(o, path, money: false)
            for (k, n) in [("min", r.min), ("max", r.max)] where (n ?? 0) > Self.maxAge {
                throw fail(path + "." + k, .outOfRange, "an age is 0 to \(Self.maxAge) years")
            }
            return .age(r)
        case "birthday": return .birthday(try birthdayMatch(v, path))
        case "attribute": return try attributeCondition(v, path)
        case "returns": return try returnsCondition(v, path)
        default:
            let o = try object(v, path, allowed: ["any"] + Self.windowKeys)
            let methods = try texts(o["any"] ?? .null, path + ".any").map { $0.trimmingWhitespace().lowercased() }
            let w = try window(o, path)
            return .paymentMethods(methods, withinDays: w.days, period: w.period)
        }
    }

    /// Domains as the stored (normalised: trimmed, lower-case) addresses end: `QQ.com` and `@qq.com` are `qq.com`.
    private func emailDomains(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> [String] {
        var out: [String] = []
        for (i, text) in try texts(v, path).enumerated() {
            var d = text.trimmingWhitespace().lowercased()
            if d.hasPrefix("@") { d.removeFirst() }
            guard !d.isEmpty, d.contains("."), !d.contains("@"), !d.contains(where: \.isWhitespace) else {
                throw fail("\(path)[\(i)]", .badFilter, "a domain such as qq.com")
            }
            out.append(d)
        }
        return out
    }

    private func genders(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> [Gender] {
        var out: [Gender] = []
        for (i, n) in try texts(v, path).enumerated() {
            guard let g = Gender(rawValue: n) else { throw fail("\(path)[\(i)]", .badFilter, "a gender is female, male or unknown") }
            out.append(g)
        }
        return out
    }

    private func birthdayMatch(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> BirthdayMatch {
        let o = try object(v, path, allowed: ["months", "days", "this_month"])
        guard o.count == 1, let (key, inner) = o.entries.first.map({ ($0.key, $0.value) }) else {
            throw fail(path, .badFilter, "birthday takes exactly one of months, days, this_month")
        }
        let here = path + "." + key
        switch key {
        case "months":
            guard case .array(let items) = inner, !items.isEmpty, items.count <= 12 else { throw fail(here, .wrongType, "a list of 1 to 12 months") }
            var months: [Int] = []
            for (i, item) in items.enumerated() {
                guard let n = item.int64Value, (1...12).contains(n) else { throw fail("\(here)[\(i)]", .outOfRange, "a month is 1 to 12") }
                months.append(Int(n))
            }
            return .months(months)
        case "days":
            var days: [BirthdayMatch.MonthDay] = []
            for (i, text) in try texts(inner, here).enumerated() {
                guard let d = BirthdayMatch.MonthDay(text) else { throw fail("\(here)[\(i)]", .badFilter, "a day of the year MM-DD, such as 05-17") }
                days.append(d)
            }
            return .days(days)
        default:
            guard inner == .bool(true) else { throw fail(here, .badFilter, "this_month is true (leave it out otherwise)") }
            return .thisMonth
        }
    }

    private func attributeCondition(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        let o = try object(v, path, allowed: ["name", "equals", "any"])
        guard case .string(let name)? = o["name"], !name.isEmpty, name.count <= 64 else {
            throw fail(path + ".name", .badFilter, "the attribute's name (1 to 64 characters) is required")
        }
        guard (o["equals"] == nil) != (o["any"] == nil) else { throw fail(path, .badFilter, "give equals or any (not both)") }
        let list: [JSONValue]
        let here = path + (o["equals"] != nil ? ".equals" : ".any")
        if let one = o["equals"] {
            list = [one]
        } else {
            guard case .array(let items)? = o["any"], !items.isEmpty else { throw fail(here, .wrongType, "a list of values") }
            guard items.count <= SegmentFilter.maxListValues else { throw fail(here, .filterTooLarge, "at most \(SegmentFilter.maxListValues) values") }
            list = items
        }
        var values: [String] = []
        for (i, item) in list.enumerated() {
            let at = o["equals"] != nil ? here : "\(here)[\(i)]"
            let text: String
            switch item {
            case .string(let s): text = s
            case .number(let n): text = n
            case .bool(let b): text = b ? "true" : "false"
            default: throw fail(at, .wrongType, "a value is a string, number or boolean")
            }
            guard !text.isEmpty else { throw fail(at, .badFilter, "must not be empty") }
            guard text.count <= SegmentFilter.maxTextLength else { throw fail(at, .tooLong, "at most \(SegmentFilter.maxTextLength) characters") }
            values.append(text)
        }
        return .attribute(name: name, values: values)
    }

    private func returnsCondition(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        let o = try object(v, path, allowed: ["min", "max", "min_amount", "max_amount"] + Self.windowKeys)
        var count = try range(o, path, money: false, required: false)
        let amounts: JSONObject = ["min": o["min_amount"] ?? .null, "max": o["max_amount"] ?? .null]
        let amount: ValueRange
        do {
            amount = try range(amounts, path, money: true, required: false)
        } catch {
            // Name the member as the client wrote it.
            let named = error.path.replacingSuffix(".min", with: ".min_amount").replacingSuffix(".max", with: ".max_amount")
            throw SegmentFilterError(path: named, reason: error.reason, message: named + error.message.dropFirst(error.path.count))
        }
        if count.min == nil && count.max == nil && amount.min == nil && amount.max == nil { count.min = 1 }
        let w = try window(o, path)
        return .returns(count: count, amount: amount, withinDays: w.days, period: w.period)
    }
}

extension String {
    fileprivate func replacingSuffix(_ suffix: String, with other: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + other : self
    }
}
