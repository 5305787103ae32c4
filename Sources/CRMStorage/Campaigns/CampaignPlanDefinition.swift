import CRMDomain
import CRMJSON

/// A campaign plan as JSON, the shape stored in `campaign.definition` and shown by `campaign.get`:
/// `{"variants": [{"name", "weight", "action": {"kind": "coupon", "template"} | {"kind": "points",
/// "points"} | {"kind": "notice", "message"} | {"kind": "list"}}], "holdout_percent", "window_days",
/// "waves"?: {"every_days", "retouches"}, "budget"?, "scope": {"shops"?, "channels"?},
/// "consent_channel"?, "trigger"?: {"lifecycle": STAGE} | {"birthday_month": true}, "points_per_yuan"}`.
public enum CampaignPlanDefinition {
    public static func render(_ p: CampaignPlan) -> JSONValue {
        var o = JSONObject()
        o["variants"] = .array(p.variants.map { v in ["name": .string(v.name), "weight": .int(v.weight), "action": render(v.action)] })
        o["holdout_percent"] = .int(p.holdoutPercent)
        o["window_days"] = .int(p.windowDays)
        if let w = p.waves { o["waves"] = ["every_days": .int(w.everyDays), "retouches": .int(w.retouches)] }
        if let b = p.budget { o["budget"] = .int(b) }
        var scope = JSONObject()
        if !p.scope.shops.isEmpty { scope["shops"] = .array(p.scope.shops.map(JSONValue.string)) }
        if !p.scope.channels.isEmpty { scope["channels"] = .array(p.scope.channels.map { .string($0.rawValue) }) }
        o["scope"] = .object(scope)
        if let ch = p.consentChannel { o["consent_channel"] = .string(ch) }
        switch p.trigger {
        case .lifecycle(let stage)?: o["trigger"] = ["lifecycle": .string(stage.rawValue)]
        case .birthdayMonth?: o["trigger"] = ["birthday_month": true]
        case nil: break
        }
        o["points_per_yuan"] = .int(p.pointsPerYuan)
        return .object(o)
    }

    public static func render(_ a: CampaignAction) -> JSONValue {
        switch a {
        case .coupon(let t): ["kind": "coupon", "template": .string(t)]
        case .points(let p): ["kind": "points", "points": .int(p)]
        case .notice(let m): ["kind": "notice", "message": .string(m)]
        case .list: ["kind": "list"]
        }
    }

    /// A stored plan read back; crmd wrote it, so anything unreadable is a broken invariant.
    static func stored(_ json: JSONValue, campaign: String) -> CampaignPlan {
        guard let o = json.objectValue, let variants = o["variants"]?.arrayValue else { preconditionFailure("campaign \(campaign)'s plan is unreadable") }
        var p = CampaignPlan(
            variants: variants.map { v in
                CampaignPlan.Variant(name: v["name"]!.stringValue!, action: action(v["action"]!, campaign: campaign), weight: v["weight"]?.int64Value ?? 1)
            })
        p.holdoutPercent = o["holdout_percent"]?.int64Value ?? 10
        p.windowDays = o["window_days"]?.int64Value ?? 10
        if let w = o["waves"]?.objectValue { p.waves = .init(everyDays: w["every_days"]!.int64Value!, retouches: w["retouches"]!.int64Value!) }
        p.budget = o["budget"]?.int64Value
        let scope = o["scope"]?.objectValue ?? JSONObject()
        p.scope = .init(
            shops: scope["shops"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            channels: scope["channels"]?.arrayValue?.compactMap { $0.stringValue.flatMap(Channel.init(rawValue:)) } ?? [])
        p.consentChannel = o["consent_channel"]?.stringValue
        if let t = o["trigger"]?.objectValue {
            if let stage = t["lifecycle"]?.stringValue.flatMap(LifecycleStage.init(rawValue:)) {
                p.trigger = .lifecycle(stage)
            } else if t["birthday_month"]?.boolValue == true {
                p.trigger = .birthdayMonth
            }
        }
        p.pointsPerYuan = o["points_per_yuan"]?.int64Value ?? 100
        return p
    }

    static func action(_ json: JSONValue, campaign: String) -> CampaignAction {
        switch json["kind"]?.stringValue {
        case "coupon": .coupon(template: json["template"]!.stringValue!)
        case "points": .points(json["points"]!.int64Value!)
        case "notice": .notice(message: json["message"]!.stringValue!)
        case "list": .list
        default: preconditionFailure("campaign \(campaign) has an unreadable action")
        }
    }
}
