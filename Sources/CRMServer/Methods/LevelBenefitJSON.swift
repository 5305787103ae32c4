import CRMDomain
import CRMProtocol

/// A level's benefits as JSON, in the ladder (`level.rules.get|set`) and in `member.benefits`:
/// `{"code", "name", "min_spend"?, "points"?, "coupon"?, "when"?, "params"?}`; errors name the field.
enum LevelBenefitJSON {
    static func render(_ benefits: [LevelBenefit]) -> JSONValue {
        .array(benefits.map(render))
    }

    static func render(_ b: LevelBenefit) -> JSONValue {
        var o: JSONObject = ["code": .string(b.code), "name": .string(b.name)]
        if let m = b.minSpendFen { o["min_spend"] = .string(Money.format(fen: m)) }
        switch b.gift {
        case .points(let p)?: o["points"] = .int(p)
        case .coupon(let t)?: o["coupon"] = .string(t)
        case nil: break
        }
        if let w = b.when { o["when"] = .string(w.rawValue) }
        if !b.params.isEmpty { o["params"] = .object(JSONObject(b.params.map { ($0.name, JSONValue.string($0.text)) })) }
        return .object(o)
    }

    /// The benefits of one level (`path` names its `benefits` field).
    static func parse(_ value: JSONValue?, path: String) throws(RPCError) -> [LevelBenefit] {
        guard let value, !value.isNull else { return [] }
        guard let entries = value.arrayValue, entries.count <= LevelBenefit.maxPerLevel else {
            throw .invalidParams("benefits must be an array of at most \(LevelBenefit.maxPerLevel) benefits", field: path, reason: .badSetting)
        }
        var out: [LevelBenefit] = []
        for (i, entry) in entries.enumerated() {
            out.append(try parseOne(entry, path: path + "[\(i)]"))
        }
        return out
    }

    static func parseOne(_ entry: JSONValue, path: String) throws(RPCError) -> LevelBenefit {
        let e = try Params(entry, path: path)
        try e.allowOnly(["code", "name", "min_spend", "points", "coupon", "when", "params"])
        var b = LevelBenefit(code: try e.string("code", maxLength: 32), name: try e.string("name", maxLength: 50))
        if e.has("min_spend") {
            let text: String? =
                switch e.object["min_spend"] {
                case .string(let s)?: s
                case .number(let n)?: n
                default: nil
                }
            guard let text, let fen = Money.parseFen(text) else {
                throw .invalidParams("min_spend must be an amount in yuan", field: e.field("min_spend"), reason: .badSetting)
            }
            b.minSpendFen = fen
        } else if b.code == LevelBenefit.Known.freeShipping.rawValue {
            b.minSpendFen = 0
        }
        if let points = try e.optionalInt("points", in: 1...LevelBenefit.maxGiftPoints) { b.gift = .points(points) }
        if let coupon = try e.optionalString("coupon", maxLength: 100) {
            guard b.gift == nil else { throw .invalidParams("give points or coupon, not both", field: e.field("coupon"), reason: .badSetting) }
            b.gift = .coupon(template: coupon)
        }
        if let when = try e.optionalString("when", maxLength: 10) {
            guard let w = BirthdayGift.When(rawValue: when) else {
                throw .invalidParams("when must be month or day", field: e.field("when"), reason: .badSetting)
            }
            b.when = w
        } else if b.code == LevelBenefit.Known.birthdayGift.rawValue {
            b.when = .month
        }
        if let params = e.object["params"], !params.isNull {
            guard case .object(let o) = params else { throw .invalidParams("params must be an object of texts", field: e.field("params"), reason: .badSetting) }
            for (name, text) in o {
                guard case .string(let t) = text else {
                    throw .invalidParams("params values are texts", field: e.field("params") + "." + name, reason: .badSetting)
                }
                b.params.append(LevelBenefit.Param(name: name, text: t))
            }
        }
        if let problem = b.problems().first { throw .invalidParams(problem, field: path, reason: .badSetting) }
        return b
    }
}
