import CRMJSON

/// Why a filter was refused: the JSON path of the offending part and a stable reason.
public struct SegmentFilterError: Error, Sendable, Equatable {
    /// JSON path, such as `filter.and[1].rfm.r[0]`.
    public var path: String
    /// `bad_filter`, `unknown_field`, `wrong_type`, `out_of_range`, `too_long`, `filter_too_deep`, `filter_too_large`.
    public var reason: ErrorReason
    public var message: String
}

/// Reads a segment filter from JSON (the language of docs/segments.md), checking every part and
/// the limits (depth, nodes, list sizes, text lengths). Errors name the bad part by JSON path.
public struct SegmentFilterParser {
    public var rfm: RFMBands
    private var nodes = 0

    public init(rfm: RFMBands = RFMBands()) { self.rfm = rfm }

    /// Every condition name, for messages and documentation.
    public static let conditionNames = [
        "rfm", "purchases", "spend", "last_purchase", "average_order", "level", "points", "expiring_points",
        "tags", "channels", "shops", "items", "region", "address", "registered", "lifecycle", "seasons",
        "email_domain", "gender", "age", "birthday", "attribute", "returns", "payment_methods",
    ]

    public static func parse(_ value: JSONValue, path: String = "filter", rfm: RFMBands = RFMBands()) throws(SegmentFilterError) -> SegmentFilter {
        var p = SegmentFilterParser(rfm: rfm)
        return try p.node(value, path, depth: 1)
    }

    func fail(_ path: String, _ reason: ErrorReason, _ message: String) -> SegmentFilterError {
        SegmentFilterError(path: path, reason: reason, message: "\(path): \(message)")
    }

    private mutating func node(_ value: JSONValue, _ path: String, depth: Int) throws(SegmentFilterError) -> SegmentFilter {
        guard depth <= SegmentFilter.maxDepth else { throw fail(path, .filterTooDeep, "filters nest at most \(SegmentFilter.maxDepth) levels") }
        nodes += 1
        guard nodes <= SegmentFilter.maxNodes else { throw fail(path, .filterTooLarge, "a filter has at most \(SegmentFilter.maxNodes) parts") }
        guard case .object(let o) = value else { throw fail(path, .wrongType, "a filter part is an object, not \(value.typeName)") }
        guard o.count == 1, let (key, inner) = o.entries.first.map({ ($0.key, $0.value) }) else {
            throw fail(path, .badFilter, "a filter part has exactly one member: and, or, not, or a condition (\(Self.conditionNames.joined(separator: ", ")))")
        }
        let here = path + "." + key
        switch key {
        case "and", "or":
            guard case .array(let parts) = inner else { throw fail(here, .wrongType, "\(key) takes a list of filters") }
            guard !parts.isEmpty else { throw fail(here, .badFilter, "\(key) needs at least one filter") }
            var out: [SegmentFilter] = []
            for (i, part) in parts.enumerated() { out.append(try node(part, "\(here)[\(i)]", depth: depth + 1)) }
            return key == "and" ? .and(out) : .or(out)
        case "not":
            return .not(try node(inner, here, depth: depth + 1))
        default:
            return .condition(try condition(key, inner, here))
        }
    }

    // MARK: conditions

    private func condition(_ key: String, _ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        switch key {
        case "rfm":
            return try rfmCondition(v, path)
        case "purchases":
            let o = try object(v, path, allowed: ["min", "max"] + Self.windowKeys)
            let w = try window(o, path)
            return .purchases(try range(o, path, money: false), withinDays: w.days, period: w.period)
        case "spend":
            let o = try object(v, path, allowed: ["min", "max"] + Self.windowKeys)
            let w = try window(o, path)
            return .spend(try range(o, path, money: true), withinDays: w.days, period: w.period)
        case "average_order":
            let o = try object(v, path, allowed: ["min", "max"] + Self.windowKeys)
            let w = try window(o, path)
            return .averageOrder(try range(o, path, money: true), withinDays: w.days, period: w.period)
        case "last_purchase":
            return try lastPurchaseCondition(v, path)
        case "level":
            return .level(try texts(v, path))
        case "points":
            let o = try object(v, path, allowed: ["min", "max"])
            return .points(try range(o, path, money: false, allowNegative: true))
        case "expiring_points":
            return try expiringPointsCondition(v, path)
        case "tags":
            return try tagsCondition(v, path)
        case "channels":
            return try channelsCondition(v, path)
        case "shops":
            let o = try object(v, path, allowed: ["any"] + Self.windowKeys)
            let w = try window(o, path)
            return .shops(try texts(o["any"] ?? .null, path + ".any"), withinDays: w.days, period: w.period)
        case "items":
            return try itemsCondition(v, path)
        case "region":
            return .region(try texts(v, path))
        case "address":
            return try addressCondition(v, path)
        case "registered":
            return try registeredCondition(v, path)
        case "lifecycle":
            return try lifecycleCondition(v, path)
        case "seasons":
            return try seasonsCondition(v, path)
        case "email_domain", "gender", "age", "birthday", "attribute", "returns", "payment_methods":
            return try audienceCondition(key, v, path)
        default:
            throw fail(path, .unknownField, "no condition named \(key) (known: and, or, not, \(Self.conditionNames.joined(separator: ", ")))")
        }
    }

    private func rfmCondition(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        let o = try object(v, path, allowed: ["r", "f", "m"])
        let r = try bands(o["r"], path + ".r", 0...rfm.recencyBandCount)
        let f = try bands(o["f"], path + ".f", 0...rfm.frequencyBandCount)
        let m = try bands(o["m"], path + ".m", 0...rfm.monetaryBandCount)
        guard !(r.isEmpty && f.isEmpty && m.isEmpty) else { throw fail(path, .badFilter, "give at least one of r, f, m") }
        return .rfm(r: r, f: f, m: m)
    }

    private func lastPurchaseCondition(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        let o = try object(v, path, allowed: ["min_days", "max_days"])
        let lo = try days(o["min_days"], path + ".min_days", from: 0)
        let hi = try days(o["max_days"], path + ".max_days", from: 0)
        guard lo != nil || hi != nil else { throw fail(path, .badFilter, "give min_days, max_days or both") }
        if let lo, let hi, lo > hi { throw fail(path + ".min_days", .outOfRange, "min_days is more than max_days") }
        return .lastPurchase(minDays: lo, maxDays: hi)
    }

    private func expiringPointsCondition(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        let o = try object(v, path, allowed: ["min", "max"] + Self.windowKeys)
        let w = try window(o, path)
        var r = try range(o, path, money: false, required: false)
        if r.min == nil && r.max == nil { r.min = 1 }
        if let period = w.period { return .expiringPoints(r, withinDays: 0, period: period) }
        guard let d = w.days else { throw fail(path + ".within_days", .missingField, "within_days (or from / until) is required") }
        return .expiringPoints(r, withinDays: d)
    }

    private func tagsCondition(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        let o = try object(v, path, allowed: ["any", "all", "none"])
        guard o.count == 1, let (mode, list) = o.entries.first.map({ ($0.key, $0.value) }), let match = TagMatch(rawValue: mode) else {
            throw fail(path, .badFilter, "tags takes exactly one of any, all, none")
        }
        return .tags(match, try texts(list, path + "." + mode))
    }

    private func channelsCondition(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        let o = try object(v, path, allowed: ["any"] + Self.windowKeys)
        let names = try texts(o["any"] ?? .null, path + ".any")
        var channels: [Channel] = []
        for (i, n) in names.enumerated() {
            guard let c = Channel(rawValue: n) else { throw fail("\(path).any[\(i)]", .badFilter, "a channel is mobile, web or group_buy") }
            channels.append(c)
        }
        let w = try window(o, path)
        return .channels(channels, withinDays: w.days, period: w.period)
    }

    private func itemsCondition(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        let o = try object(v, path, allowed: ["name_contains", "skus", "categories"] + Self.windowKeys)
        let m = ItemMatch(
            nameContains: try texts(o["name_contains"], path + ".name_contains", optional: true),
            skus: try texts(o["skus"], path + ".skus", optional: true),
            categories: try texts(o["categories"], path + ".categories", optional: true))
        guard !m.isEmpty else { throw fail(path, .badFilter, "give name_contains, skus or categories") }
        let w = try window(o, path)
        return .items(m, withinDays: w.days, period: w.period)
    }

    private func addressCondition(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        let o = try object(v, path, allowed: ["keywords", "groups"])
        var keywords = try texts(o["keywords"], path + ".keywords", optional: true)
        for (i, g) in try texts(o["groups"], path + ".groups", optional: true).enumerated() {
            guard let k = AddressKeywords.keywords(of: g) else {
                throw fail("\(path).groups[\(i)]", .badFilter, "no keyword group \(g) (known: \(AddressKeywords.groups.keys.sorted().joined(separator: ", ")))")
            }
            keywords += k
        }
        guard !keywords.isEmpty else { throw fail(path, .badFilter, "give keywords, groups or both") }
        return .address(keywords)
    }

    private func registeredCondition(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        let o = try object(v, path, allowed: ["from", "until"])
        let from = try date(o["from"], path + ".from")
        let until = try date(o["until"], path + ".until")
        guard from != nil || until != nil else { throw fail(path, .badFilter, "give from, until or both") }
        if let from, let until, from >= until { throw fail(path + ".until", .outOfRange, "until must be after from") }
        return .registered(from: from, until: until)
    }

    private func lifecycleCondition(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        var stages: [LifecycleStage] = []
        for (i, n) in try texts(v, path).enumerated() {
            guard let s = LifecycleStage(rawValue: n) else {
                throw fail("\(path)[\(i)]", .badFilter, "a stage is one of \(LifecycleStage.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            stages.append(s)
        }
        return .lifecycle(stages)
    }

    private func seasonsCondition(_ v: JSONValue, _ path: String) throws(SegmentFilterError) -> SegmentCondition {
        let o = try object(v, path, allowed: ["min", "max", "all"] + Self.windowKeys)
        let r = try range(o, path, money: false, required: false)
        if let hi = r.max, hi > 4 { throw fail(path + ".max", .outOfRange, "there are 4 seasons") }
        if let lo = r.min, lo > 4 { throw fail(path + ".min", .outOfRange, "there are 4 seasons") }
        var seasons: [Season] = []
        for (i, n) in try texts(o["all"], path + ".all", optional: true).enumerated() {
            guard let s = Season(rawValue: n) else { throw fail("\(path).all[\(i)]", .badFilter, "a season is spring, summer, autumn or winter") }
            seasons.append(s)
        }
        guard r.min != nil || r.max != nil || !seasons.isEmpty else { throw fail(path, .badFilter, "give min, max or all") }
        let w = try window(o, path)
        return .seasons(r, all: seasons, withinDays: w.days, period: w.period)
    }

    // MARK: values

    func object(_ v: JSONValue, _ path: String, allowed: [String]) throws(SegmentFilterError) -> JSONObject {
        guard case .object(let o) = v else { throw fail(path, .wrongType, "must be an object, not \(v.typeName)") }
        for k in o.keys where !allowed.contains(k) {
            let shown = ClientText.excerpt(k)  // the client's name, cut and escaped
            throw fail(path + "." + shown, .unknownField, "unknown member \(shown) (known: \(allowed.sorted().joined(separator: ", ")))")
        }
        return o
    }

    func texts(_ v: JSONValue?, _ path: String, optional: Bool = false) throws(SegmentFilterError) -> [String] {
        guard let v, !v.isNull else {
            if optional { return [] }
            throw fail(path, .missingField, "a list of values is required")
        }
        guard case .array(let items) = v else { throw fail(path, .wrongType, "must be a list of strings, not \(v.typeName)") }
        guard !items.isEmpty || optional else { throw fail(path, .badFilter, "the list is empty") }
        guard items.count <= SegmentFilter.maxListValues else { throw fail(path, .filterTooLarge, "at most \(SegmentFilter.maxListValues) values") }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else { throw fail("\(path)[\(i)]", .wrongType, "must be a string, not \(item.typeName)") }
            guard !s.isEmpty else { throw fail("\(path)[\(i)]", .badFilter, "must not be empty") }
            guard s.count <= SegmentFilter.maxTextLength else { throw fail("\(path)[\(i)]", .tooLong, "at most \(SegmentFilter.maxTextLength) characters") }
            out.append(s)
        }
        return out
    }

    private func bands(_ v: JSONValue?, _ path: String, _ allowed: ClosedRange<Int>) throws(SegmentFilterError) -> [Int] {
        guard let v, !v.isNull else { return [] }
        guard case .array(let items) = v else { throw fail(path, .wrongType, "must be a list of band numbers") }
        guard items.count <= SegmentFilter.maxListValues else { throw fail(path, .filterTooLarge, "too many bands") }
        var out: [Int] = []
        for (i, item) in items.enumerated() {
            guard let n = item.int64Value, allowed.contains(Int(clamping: n)) else {
                throw fail("\(path)[\(i)]", .outOfRange, "a band is a whole number \(allowed.lowerBound)–\(allowed.upperBound)")
            }
            out.append(Int(n))
        }
        return out
    }

    func days(_ v: JSONValue?, _ path: String, from low: Int = 1) throws(SegmentFilterError) -> Int? {
        guard let v, !v.isNull else { return nil }
        guard let n = v.int64Value else { throw fail(path, .wrongType, "must be a whole number of days") }
        guard n >= Int64(low) && n <= 36_500 else { throw fail(path, .outOfRange, "must be \(low) to 36500 days") }
        return Int(n)
    }

    func range(
        _ o: JSONObject, _ path: String, money: Bool, allowNegative: Bool = false, required: Bool = true
    ) throws(SegmentFilterError) -> ValueRange {
        func one(_ key: String) throws(SegmentFilterError) -> Int64? {
            guard let v = o[key], !v.isNull else { return nil }
            let p = path + "." + key
            if money {
                let text: String
                switch v {
                case .string(let s): text = s
                case .number(let s): text = s
                default: throw fail(p, .wrongType, "must be yuan as a string or number")
                }
                guard let fen = Money.parseFen(text) else { throw fail(p, .outOfRange, "must be yuan, at least 0, with at most two decimals") }
                return fen
            }
            guard let n = v.int64Value else { throw fail(p, .wrongType, "must be a whole number") }
            guard allowNegative || n >= 0 else { throw fail(p, .outOfRange, "must not be negative") }
            guard n.magnitude <= 1_000_000_000_000 else { throw fail(p, .outOfRange, "too large") }
            return n
        }
        let r = ValueRange(min: try one("min"), max: try one("max"))
        if let lo = r.min, let hi = r.max, lo > hi { throw fail(path + ".min", .outOfRange, "min is more than max") }
        guard !required || r.min != nil || r.max != nil else { throw fail(path, .badFilter, "give min, max or both") }
        return r
    }

    func date(_ v: JSONValue?, _ path: String) throws(SegmentFilterError) -> String? {
        guard let v, !v.isNull else { return nil }
        guard case .string(let s) = v, CivilTime.date(s) != nil, s.count == 10 else { throw fail(path, .badFilter, "must be a date YYYY-MM-DD") }
        return s
    }
}
