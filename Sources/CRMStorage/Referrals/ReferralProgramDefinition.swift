import CRMDomain
import CRMJSON

/// The referral programme as JSON, the one shape of `referral.program.set` and of
/// `referral_program.definition`. Members left out keep their defaults; errors name the field.
public enum ReferralProgramDefinition {
    public static func parse(_ object: JSONObject, path: String = "value") throws(StorageError) -> ReferralProgram {
        func field(_ key: String) -> String { path + "." + key }
        func bad(_ key: String, _ message: String) -> StorageError { .invalid(field: field(key), reason: .badSetting, message: message) }
        let known = [
            "referrer_points", "referred_points", "min_order", "tiers", "campaigns", "share_percent", "share_months",
            "cap_per_referrer_per_day", "cap_per_referrer_per_month", "return_window_days", "link_template", "referrer_coupon", "referred_coupon",
        ]
        for key in object.keys where !known.contains(key) {
            let shown = ClientText.excerpt(key)  // the client's name, cut and escaped
            throw .invalid(field: field(shown), reason: .unknownField, message: "unknown parameter \(shown)")
        }
        func int(_ o: JSONObject, _ key: String, _ path: String) throws(StorageError) -> Int64? {
            guard let v = o[key], !v.isNull else { return nil }
            guard let i = v.int64Value else { throw .invalid(field: path + "." + key, reason: .badSetting, message: "\(key) must be a whole number") }
            return i
        }
        func money(_ o: JSONObject, _ key: String, _ path: String) throws(StorageError) -> Int64? {
            guard let v = o[key], !v.isNull else { return nil }
            let text: String? =
                switch v {
                case .string(let s): s;
                case .number(let n): n;
                default: nil
                }
            guard let text, let fen = Money.parseFen(text) else {
                throw .invalid(field: path + "." + key, reason: .badSetting, message: "\(key) must be an amount in yuan")
            }
            return fen
        }
        func time(_ o: JSONObject, _ key: String, _ path: String) throws(StorageError) -> Int64 {
            guard let text = o[key]?.stringValue, let s = CivilTime.seconds(rfc3339: text) else {
                throw .invalid(field: path + "." + key, reason: .badSetting, message: "\(key) must be an RFC 3339 timestamp")
            }
            return s
        }
        var p = ReferralProgram()
        if let v = try int(object, "referrer_points", path) { p.referrerPoints = v }
        if let v = try int(object, "referred_points", path) { p.referredPoints = v }
        if let v = try money(object, "min_order", path) { p.minOrderFen = v }
        if let v = try int(object, "share_percent", path) { p.sharePercent = v }
        if let v = try int(object, "share_months", path) { p.shareMonths = v }
        p.capPerReferrerPerDay = try int(object, "cap_per_referrer_per_day", path)
        p.capPerReferrerPerMonth = try int(object, "cap_per_referrer_per_month", path)
        if let v = try int(object, "return_window_days", path) { p.returnWindowDays = v }
        if let v = object["link_template"], !v.isNull {
            guard let s = v.stringValue else { throw bad("link_template", "link_template must be a string") }
            p.linkTemplate = s
        }
        p.referrerCoupon = try template(object, "referrer_coupon", path: path)
        p.referredCoupon = try template(object, "referred_coupon", path: path)
        if let v = object["tiers"], !v.isNull {
            guard let list = v.arrayValue else { throw bad("tiers", "tiers must be an array") }
            p.tiers = []
            for (i, entry) in list.enumerated() {
                let at = field("tiers") + "[\(i)]"
                guard let t = entry.objectValue else { throw .invalid(field: at, reason: .badSetting, message: "a tier is an object") }
                guard let min = try money(t, "min_order", at), let a = try int(t, "referrer_points", at), let b = try int(t, "referred_points", at) else {
                    throw .invalid(field: at, reason: .badSetting, message: "a tier needs min_order, referrer_points and referred_points")
                }
                p.tiers.append(.init(minOrderFen: min, referrerPoints: a, referredPoints: b))
            }
        }
        if let v = object["campaigns"], !v.isNull {
            guard let list = v.arrayValue else { throw bad("campaigns", "campaigns must be an array") }
            p.campaigns = []
            for (i, entry) in list.enumerated() {
                let at = field("campaigns") + "[\(i)]"
                guard let c = entry.objectValue, let name = c["name"]?.stringValue, !name.isEmpty, name.count <= 100 else {
                    throw .invalid(field: at, reason: .badSetting, message: "a campaign needs a name of 1-100 characters")
                }
                guard let a = try int(c, "referrer_points", at), let b = try int(c, "referred_points", at) else {
                    throw .invalid(field: at, reason: .badSetting, message: "a campaign needs referrer_points and referred_points")
                }
                p.campaigns.append(.init(name: name, from: try time(c, "from", at), until: try time(c, "until", at), referrerPoints: a, referredPoints: b))
            }
        }
        if let problem = p.problems().first { throw .invalid(field: path, reason: .badSetting, message: problem) }
        return p
    }

    /// A coupon template the programme gives (`referrer_coupon`, `referred_coupon`), or nil.
    static func template(_ object: JSONObject, _ key: String, path: String) throws(StorageError) -> String? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let name = v.stringValue else { throw .invalid(field: path + "." + key, reason: .badSetting, message: "\(key) must be a coupon template name") }
        return name
    }

    public static func render(_ p: ReferralProgram) -> JSONValue {
        var o: JSONObject = [
            "version": .int(p.version), "referrer_points": .int(p.referrerPoints), "referred_points": .int(p.referredPoints),
            "min_order": .string(Money.format(fen: p.minOrderFen)),
            "tiers": .array(
                p.tiers.map {
                    [
                        "min_order": .string(Money.format(fen: $0.minOrderFen)), "referrer_points": .int($0.referrerPoints),
                        "referred_points": .int($0.referredPoints),
                    ]
                }),
            "campaigns": .array(
                p.campaigns.map {
                    [
                        "name": .string($0.name), "from": .string(CivilTime.rfc3339($0.from)),
                        "until": .string(CivilTime.rfc3339($0.until)), "referrer_points": .int($0.referrerPoints),
                        "referred_points": .int($0.referredPoints),
                    ]
                }),
            "share_percent": .int(p.sharePercent), "share_months": .int(p.shareMonths),
            "return_window_days": .int(p.returnWindowDays), "link_template": .string(p.linkTemplate),
        ]
        o["cap_per_referrer_per_day"] = p.capPerReferrerPerDay.map { .int($0) } ?? .null
        o["cap_per_referrer_per_month"] = p.capPerReferrerPerMonth.map { .int($0) } ?? .null
        o["referrer_coupon"] = p.referrerCoupon.map { .string($0) } ?? .null
        o["referred_coupon"] = p.referredCoupon.map { .string($0) } ?? .null
        return .object(o)
    }
}
