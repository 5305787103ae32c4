import CRMDomain
import CRMProtocol

/// `campaign.create`'s parameters as a `CampaignPlan`, checked by `CampaignPlan.problems` (all
/// problems in one error, reason `bad_campaign`).
enum CampaignPlanParams {
    static func plan(_ p: RPC.Campaign.Create.Params) throws(RPCError) -> CampaignPlan {
        let variants: [CampaignPlan.Variant]
        if let action = p.action {
            variants = [.init(name: "treated", action: try self.action(action, field: "action"))]
        } else {
            var out: [CampaignPlan.Variant] = []
            for (i, v) in (p.variants ?? []).enumerated() {
                out.append(.init(name: v.name, action: try action(v.action, field: "variants[\(i)].action"), weight: v.weight ?? 1))
            }
            variants = out
        }
        var plan = CampaignPlan(variants: variants)
        plan.holdoutPercent = p.holdoutPercent ?? plan.holdoutPercent
        plan.windowDays = p.windowDays ?? plan.windowDays
        plan.waves = p.waves.map { .init(everyDays: $0.everyDays, retouches: $0.retouches) }
        plan.budget = p.budget
        plan.scope = .init(shops: p.scope?.shops ?? [], channels: (p.scope?.channels ?? []).compactMap(Channel.init(rawValue:)))
        plan.consentChannel = p.consentChannel
        if let t = p.trigger {
            plan.trigger = t.lifecycle.flatMap(LifecycleStage.init(rawValue:)).map(CampaignPlan.Trigger.lifecycle) ?? .birthdayMonth
        }
        plan.pointsPerYuan = p.pointsPerYuan ?? plan.pointsPerYuan
        let problems = plan.problems()
        guard problems.isEmpty else { throw .invalidParams(problems.joined(separator: "; "), reason: .badCampaign) }
        return plan
    }

    /// An action's parameters, each kind with the one field it needs.
    static func action(_ a: RPC.Campaign.Action, field: String) throws(RPCError) -> CampaignAction {
        switch a.kind {
        case "coupon":
            guard let t = a.template else { throw .invalidParams("a coupon action names its template", field: "\(field).template", reason: .badCampaign) }
            return .coupon(template: t.trimmingWhitespace())
        case "points":
            guard let n = a.points else { throw .invalidParams("a points action gives points", field: "\(field).points", reason: .badCampaign) }
            return .points(n)
        case "notice":
            guard let m = a.message else { throw .invalidParams("a notice action has a message", field: "\(field).message", reason: .badCampaign) }
            return .notice(message: m)
        default:
            return .list
        }
    }
}
