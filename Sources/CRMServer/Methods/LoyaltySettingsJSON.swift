import CRMDomain
import CRMProtocol

/// The `points` setting (`config.get|set`) and the level ladder (`level.rules.get|set`) as JSON,
/// field by field with defaults; errors name the field.
enum LoyaltySettingsJSON {
    static func render(_ p: PointsPolicy) -> JSONValue {
        let expiry: JSONValue
        switch p.expiry {
        case .rolling(let months, let round):
            expiry = ["policy": "rolling", "months": .int(months), "round": .string(round.rawValue)]
        case .yearlyClearing(let month, let day, let share):
            expiry = ["policy": "yearly_clearing", "month": .int(month), "day": .int(day), "share_percent": .int(share)]
        }
        return [
            "earn_rate": .string(PointsPolicy.rateText(p.earnRateCenti)), "pending_days": .int(p.pendingDays),
            "refund_policy": .string(p.refundPolicy.rawValue),
            "expiry": expiry, "timezone": .string(CivilTime.offsetText(p.offsetMinutes)),
            "max_points_per_order": .int(p.maxPointsPerOrder), "max_balance": .int(p.maxBalance),
        ]
    }

    static func parsePoints(_ value: JSONValue, path: String = "value") throws(RPCError) -> PointsPolicy {
        let p = try Params(value, path: path)
        try p.allowOnly(["earn_rate", "pending_days", "refund_policy", "expiry", "timezone", "max_points_per_order", "max_balance"])
        var policy = PointsPolicy()
        if let rate = p.object["earn_rate"] {
            let text: String? =
                switch rate {
                case .string(let s): s;
                case .number(let n): n;
                default: nil
                }
            guard let text, let centi = Money.parseFen(text) else {
                throw .invalidParams("earn_rate must be points per yuan with at most two decimals", field: p.field("earn_rate"), reason: .badSetting)
            }
            policy.earnRateCenti = centi
        }
        if let days = try p.optionalInt("pending_days", in: 0...365) { policy.pendingDays = days }
        if let n = try p.optionalInt("max_points_per_order", in: PointsPolicy.maxPointsPerOrderRange) { policy.maxPointsPerOrder = n }
        if let n = try p.optionalInt("max_balance", in: PointsPolicy.maxBalanceRange) { policy.maxBalance = n }
        if let name = try p.optionalString("refund_policy", maxLength: 20) {
            guard let r = PointsPolicy.RefundPolicy(rawValue: name) else {
                throw .invalidParams(
                    "refund_policy must be pending_only, within_balance or allow_negative", field: p.field("refund_policy"), reason: .badSetting)
            }
            policy.refundPolicy = r
        }
        if let tz = try p.optionalString("timezone", maxLength: 6) {
            guard let minutes = CivilTime.offsetMinutes(tz) else {
                throw .invalidParams("timezone must be a UTC offset like +08:00", field: p.field("timezone"), reason: .badSetting)
            }
            policy.offsetMinutes = minutes
        }
        if p.has("expiry") {
            let e = try Params(p.object["expiry"], path: p.field("expiry"))
            switch try e.string("policy", maxLength: 20) {
            case "rolling":
                try e.allowOnly(["policy", "months", "round"])
                let roundName = try e.optionalString("round", maxLength: 20) ?? "none"
                guard let round = PointsPolicy.Rounding(rawValue: roundName) else {
                    throw .invalidParams("round must be none, month_end or year_end", field: e.field("round"), reason: .badSetting)
                }
                policy.expiry = .rolling(months: try e.optionalInt("months", in: 1...240) ?? 12, round: round)
            case "yearly_clearing":
                try e.allowOnly(["policy", "month", "day", "share_percent"])
                policy.expiry = .yearlyClearing(
                    month: try e.optionalInt("month", in: 1...12) ?? 12, day: try e.optionalInt("day", in: 1...31) ?? 31,
                    sharePercent: try e.optionalInt("share_percent", in: 1...100) ?? 30)
            default:
                throw .invalidParams("expiry.policy must be rolling or yearly_clearing", field: e.field("policy"), reason: .badSetting)
            }
        }
        if let problem = policy.problems().first { throw .invalidParams(problem, field: path, reason: .badSetting) }
        return policy
    }

    static func render(_ l: LevelLadder) -> JSONValue {
        [
            "basis": .string(l.basis.rawValue), "window_months": .int(l.windowMonths), "grace_days": .int(l.graceDays),
            "levels": .array(
                l.levels.map { level in
                    [
                        "code": .string(level.code), "name": .string(level.name), "min_spend": .string(Money.format(fen: level.minSpendFen)),
                        "min_orders": .int(level.minOrders), "price_percent": .int(level.pricePercent),
                        "points_multiplier_percent": .int(level.pointsMultiplierPercent),
                        "benefits": LevelBenefitJSON.render(level.benefits),
                    ]
                }),
        ]
    }

    static func parseLadder(_ value: JSONValue, path: String = "value") throws(RPCError) -> LevelLadder {
        let p = try Params(value, path: path)
        try p.allowOnly(["basis", "window_months", "grace_days", "levels"])
        var ladder = LevelLadder()
        if let basis = try p.optionalString("basis", maxLength: 20) {
            guard let b = LevelLadder.Basis(rawValue: basis) else {
                throw .invalidParams("basis must be cumulative or rolling", field: p.field("basis"), reason: .badSetting)
            }
            ladder.basis = b
        }
        if let w = try p.optionalInt("window_months", in: 1...120) { ladder.windowMonths = w }
        if let g = try p.optionalInt("grace_days", in: 0...3650) { ladder.graceDays = g }
        if let list = p.object["levels"] {
            guard let entries = list.arrayValue, (1...LevelLadder.maxLevels).contains(entries.count) else {
                throw .invalidParams("levels must be an array of 1 to \(LevelLadder.maxLevels) levels", field: p.field("levels"), reason: .badSetting)
            }
            var levels: [LevelLadder.Level] = []
            for (i, entry) in entries.enumerated() {
                let e = try Params(entry, path: p.field("levels") + "[\(i)]")
                try e.allowOnly(["code", "name", "min_spend", "min_orders", "price_percent", "points_multiplier_percent", "benefits"])
                let spendText: String? =
                    switch e.object["min_spend"] {
                    case .string(let s)?: s;
                    case .number(let n)?: n;
                    default: nil
                    }
                guard let spendText, let spend = Money.parseFen(spendText) else {
                    throw .invalidParams("min_spend must be an amount in yuan", field: e.field("min_spend"), reason: .badSetting)
                }
                levels.append(
                    LevelLadder.Level(
                        code: try e.string("code", maxLength: 32), name: try e.string("name", maxLength: 50), minSpendFen: spend,
                        minOrders: try e.optionalInt("min_orders", in: 0...1_000_000) ?? 0,
                        pricePercent: try e.optionalInt("price_percent", in: 1...100) ?? 100,
                        pointsMultiplierPercent: try e.optionalInt("points_multiplier_percent", in: 0...10_000) ?? 100,
                        benefits: try LevelBenefitJSON.parse(e.object["benefits"], path: e.field("benefits"))))
            }
            ladder.levels = levels
        }
        if let problem = ladder.problems().first { throw .invalidParams(problem, field: path, reason: .badSetting) }
        return ladder
    }
}
