import CRMDomain
import CRMProtocol
import CRMStorage

/// The `segments` setting (RFM bands and window, lifecycle thresholds) and the `tags` setting
/// (attribute → tag mappings) as JSON, field by field with defaults; errors name the field.
enum SegmentSettingsJSON {
    static func render(_ s: SegmentSettings) -> JSONValue {
        [
            "rfm": [
                "recency_days": .array(s.rfm.recencyDays.map { .int($0) }), "frequency_min": .array(s.rfm.frequencyMins.map { .int($0) }),
                "monetary": .array(s.rfm.monetaryFen.map { .string(Money.format(fen: $0)) }), "window_days": .int(s.rfm.windowDays),
            ],
            "lifecycle": [
                "mode": .string(s.lifecycleDerived ? "derived" : "fixed"), "new_days": .int(s.lifecycle.newDays),
                "active_days": .int(s.lifecycle.activeDays), "silent_days": .int(s.lifecycle.silentDays),
                "sleeping_days": .int(s.lifecycle.sleepingDays),
            ],
            "pyramid": renderPyramid(s.pyramid),
        ]
    }

    /// The pyramid's tiers, each with only the bounds it has (as `report.pyramid` shows them).
    static func renderPyramid(_ p: PyramidThresholds) -> JSONValue {
        var tiers: JSONObject = [:]
        for tier in PyramidThresholds.ranked {
            do {
                tiers[tier.rawValue] = try JSONValueEncoder().encode(renderTier(p[tier]!))
            } catch {
                preconditionFailure("a pyramid tier's bounds are plain numbers and text: \(error)")
            }
        }
        return .object(tiers)
    }

    static func renderTier(_ t: PyramidThresholds.Tier) -> RPC.Report.PyramidTier {
        func amount(_ fen: Int64?) -> String? { fen.map { Money.format(fen: $0) } }
        return RPC.Report.PyramidTier(
            minPurchases: Int64(t.minPurchases), maxPurchases: t.maxPurchases.map(Int64.init),
            averageFrom: amount(t.averageFromFen), averageAbove: amount(t.averageAboveFen),
            averageTo: amount(t.averageToFen), averageBelow: amount(t.averageBelowFen))
    }

    /// `pyramid`: tiers given replace the default tier whole (bounds left out are absent); tiers
    /// left out keep their defaults.
    static func parsePyramid(_ p: Params) throws(RPCError) -> PyramidThresholds {
        try p.allowOnly(Set(PyramidThresholds.ranked.map(\.rawValue)))
        var out = PyramidThresholds()
        for tier in PyramidThresholds.ranked where p.has(tier.rawValue) {
            let t = try Params(p.object[tier.rawValue], path: p.field(tier.rawValue))
            try t.allowOnly(["min_purchases", "max_purchases", "average_from", "average_above", "average_to", "average_below"])
            var parsed = PyramidThresholds.Tier(minPurchases: Int(try t.optionalInt("min_purchases", in: 0...Int64.max) ?? 1))
            parsed.maxPurchases = try t.optionalInt("max_purchases", in: 0...Int64.max).map { Int(clamping: $0) }
            func amount(_ key: String) throws(RPCError) -> Int64? {
                guard let v = t.object[key], !v.isNull else { return nil }
                let text: String? =
                    switch v {
                    case .string(let s): s;
                    case .number(let n): n;
                    default: nil
                    }
                guard let text, let fen = Money.parseFen(text) else {
                    throw .invalidParams("\(key) must be an amount in yuan", field: t.field(key), reason: .badSetting)
                }
                return fen
            }
            parsed.averageFromFen = try amount("average_from")
            parsed.averageAboveFen = try amount("average_above")
            parsed.averageToFen = try amount("average_to")
            parsed.averageBelowFen = try amount("average_below")
            out[tier] = parsed
        }
        return out
    }

    private static func ints(_ p: Params, _ key: String) throws(RPCError) -> [Int]? {
        guard let v = p.object[key], !v.isNull else { return nil }
        guard case .array(let items) = v, items.count <= 9, !items.isEmpty else {
            throw .invalidParams("\(p.field(key)) must be a list of 1 to 9 whole numbers", field: p.field(key), reason: .badSetting)
        }
        var out: [Int] = []
        for (i, item) in items.enumerated() {
            guard let n = item.int64Value, n >= 0, n <= 36_500 else {
                throw .invalidParams("\(p.field(key))[\(i)] must be a whole number", field: "\(p.field(key))[\(i)]", reason: .badSetting)
            }
            out.append(Int(n))
        }
        return out
    }

    static func parse(_ value: JSONValue, path: String = "value") throws(RPCError) -> SegmentSettings {
        let p = try Params(value, path: path)
        try p.allowOnly(["rfm", "lifecycle", "pyramid"])
        var s = SegmentSettings()
        if p.has("rfm") {
            let r = try Params(p.object["rfm"], path: p.field("rfm"))
            try r.allowOnly(["recency_days", "frequency_min", "monetary", "window_days"])
            if let x = try ints(r, "recency_days") { s.rfm.recencyDays = x }
            if let x = try ints(r, "frequency_min") { s.rfm.frequencyMins = x }
            if let v = r.object["monetary"], !v.isNull {
                guard case .array(let items) = v, !items.isEmpty, items.count <= 9 else {
                    throw .invalidParams("monetary must be a list of 1 to 9 amounts in yuan", field: r.field("monetary"), reason: .badSetting)
                }
                var fens: [Int64] = []
                for (i, item) in items.enumerated() {
                    let text: String? =
                        switch item {
                        case .string(let t): t;
                        case .number(let t): t;
                        default: nil
                        }
                    guard let text, let fen = Money.parseFen(text) else {
                        throw .invalidParams("an amount in yuan", field: "\(r.field("monetary"))[\(i)]", reason: .badSetting)
                    }
                    fens.append(fen)
                }
                s.rfm.monetaryFen = fens
            }
            if let w = try r.optionalInt("window_days", in: 1...3_650) { s.rfm.windowDays = Int(w) }
        }
        if p.has("lifecycle") {
            let l = try Params(p.object["lifecycle"], path: p.field("lifecycle"))
            try l.allowOnly(["mode", "new_days", "active_days", "silent_days", "sleeping_days"])
            let mode = try l.optionalString("mode", maxLength: 10) ?? "fixed"
            guard ["fixed", "derived"].contains(mode) else {
                throw .invalidParams("mode must be fixed or derived", field: l.field("mode"), reason: .badSetting)
            }
            s.lifecycleDerived = mode == "derived"
            if let d = try l.optionalInt("new_days", in: 1...3_650) { s.lifecycle.newDays = Int(d) }
            if let d = try l.optionalInt("active_days", in: 1...3_650) { s.lifecycle.activeDays = Int(d) }
            if let d = try l.optionalInt("silent_days", in: 1...3_650) { s.lifecycle.silentDays = Int(d) }
            if let d = try l.optionalInt("sleeping_days", in: 1...3_650) { s.lifecycle.sleepingDays = Int(d) }
        }
        if p.has("pyramid") { s.pyramid = try parsePyramid(try Params(p.object["pyramid"], path: p.field("pyramid"))) }
        if let problem = s.problems().first { throw .invalidParams(problem, field: path, reason: .badSetting) }
        return s
    }

    static func renderTags(_ t: AttributeTagSettings) -> JSONValue {
        [
            "mappings": .array(
                t.mappings.map { m in
                    var o: JSONObject = ["attribute": .string(m.attribute), "tag": .string(m.tag)]
                    if let v = m.value { o["value"] = .string(v) }
                    return .object(o)
                }), "list_attributes": .array(t.listAttributes.map(JSONValue.string)),
        ]
    }

    static func parseTags(_ value: JSONValue, path: String = "value") throws(RPCError) -> AttributeTagSettings {
        let p = try Params(value, path: path)
        try p.allowOnly(["mappings", "list_attributes"])
        var t = AttributeTagSettings()
        if let v = p.object["mappings"], !v.isNull {
            guard case .array(let items) = v, items.count <= AttributeTagSettings.maxMappings else {
                throw .invalidParams("mappings must be a list of at most \(AttributeTagSettings.maxMappings)", field: p.field("mappings"), reason: .badSetting)
            }
            for (i, item) in items.enumerated() {
                let m = try Params(item, path: "\(p.field("mappings"))[\(i)]")
                try m.allowOnly(["attribute", "value", "tag"])
                let attribute = try m.string("attribute", maxLength: 100)
                guard let tag = TagName.validated(try m.string("tag", maxLength: 100)), !attribute.isEmpty else {
                    throw .invalidParams("attribute and a tag name of 1 to 64 characters", field: m.field("tag"), reason: .badSetting)
                }
                t.mappings.append(.init(attribute: attribute, value: try m.optionalString("value", maxLength: 200), tag: tag))
            }
        }
        if let v = p.object["list_attributes"], !v.isNull {
            guard case .array(let items) = v, items.count <= 20 else {
                throw .invalidParams("list_attributes must be a list of at most 20 names", field: p.field("list_attributes"), reason: .badSetting)
            }
            t.listAttributes = []
            for (i, item) in items.enumerated() {
                guard let s = item.stringValue, !s.isEmpty, s.count <= 100 else {
                    throw .invalidParams("an attribute name", field: "\(p.field("list_attributes"))[\(i)]", reason: .badSetting)
                }
                t.listAttributes.append(s)
            }
        }
        return t
    }
}

extension ServerContext {
    /// The measures settings in force (stored setting, or the defaults).
    func segmentSettings() async throws -> SegmentSettings {
        guard let text = try await settings.get("segments") else { return SegmentSettings() }
        do {
            return try SegmentSettingsJSON.parse(try JSONParser.parse(text))
        } catch {
            preconditionFailure("the stored segments setting no longer parses: \(error)")
        }
    }

    /// Everything segments and reports are evaluated with, as of `asOf` (nil: now).
    func measureContext(asOf: String?) async throws -> MeasureContextBox {
        let loyalty = try await loyaltyPolicy()
        return MeasureContextBox(
            value: .init(
                settings: try await segmentSettings(), firstLevel: loyalty.ladder.levels[0].code,
                offsetMinutes: loyalty.points.offsetMinutes, asOf: asOf, codec: codec), ladder: loyalty.ladder)
    }
}

/// A measure context with the ladder it was made from (for level names in replies).
struct MeasureContextBox: Sendable {
    let value: MeasureContext
    let ladder: LevelLadder
}
