import CRMDomain
import CRMProtocol
import CRMStorage

/// `campaign.report`: the storage's counts by arm made into the report — the treated side (every
/// variant together), the comparisons with their uplift, interval and increments, costs and rates.
/// Counts only, no personal data: analysts read it as operators do.
enum CampaignReportMethods {
    typealias Report = RPC.CampaignReport.Report

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        let store = CampaignReportStore(pool: context.pool)
        return [
            MethodSpec(Report.self, access: .read, scope: .merchantWide) { p, _ in
                let r = try await store.report(name: p.name.trimmingWhitespace(), occasion: p.occasion)
                let plan = r.campaign.plan
                return Report.Result(
                    name: r.campaign.name, segment: r.campaign.segment, status: r.campaign.status,
                    plan: .init(
                        windowDays: plan.windowDays, holdoutPercent: plan.holdoutPercent, pointsPerYuan: plan.pointsPerYuan, scopeShops: plan.scope.shops,
                        scopeChannels: plan.scope.channels.map(\.rawValue)),
                    launchedAt: r.campaign.launchedAt, asOf: r.asOf, occasion: p.occasion, figures: figures(r.total, plan),
                    waves: r.occasions.map {
                        Report.Wave(
                            occasion: $0.occasion, startedAt: $0.startedAt, windowEndsAt: $0.windowEndsAt, windowOpen: $0.windowOpen, done: $0.done,
                            figures: figures($0.arms, plan))
                    })
            }
        ]
    }

    static func yuan(_ fen: Int64) -> String { fen < 0 ? "-" + Money.format(fen: -fen) : Money.format(fen: fen) }

    /// Arms in the plan's order and the control group, the treated side, and the comparisons:
    /// treated against control, each variant against control (when there are several), and each
    /// pair of variants.
    static func figures(_ arms: [String: CampaignArmFigures], _ plan: CampaignPlan) -> Report.Figures {
        let names = plan.variants.map(\.name)
        let treated = names.reduce(CampaignArmFigures()) { $0 + (arms[$1] ?? .init()) }
        let control = arms[CampaignPlan.control] ?? .init()
        var comparisons = [comparison("treated", treated, CampaignPlan.control, control, plan)]
        if names.count > 1 {
            comparisons += names.map { comparison($0, arms[$0] ?? .init(), CampaignPlan.control, control, plan) }
            for (i, a) in names.enumerated() {
                for b in names[(i + 1)...] { comparisons.append(comparison(a, arms[a] ?? .init(), b, arms[b] ?? .init(), plan, perYuan: false)) }
            }
        }
        return Report.Figures(
            treated: arm("treated", treated, plan), control: arm(CampaignPlan.control, control, plan),
            arms: names.map { arm($0, arms[$0] ?? .init(), plan) } + [arm(CampaignPlan.control, control, plan)], comparisons: comparisons)
    }

    static func arm(_ name: String, _ f: CampaignArmFigures, _ plan: CampaignPlan) -> Report.Arm {
        Report.Arm(
            arm: name, members: f.members, touched: f.touched, refused: f.refused, budget: f.budget, responders: f.responders,
            responseRate: CampaignFigureText.fraction(f.responders, of: f.members), orders: f.orders, gmv: yuan(f.gmvFen),
            oldCustomerGMV: yuan(f.oldCustomerGMVFen), oldCustomerShare: CampaignFigureText.percent(f.oldCustomerGMVFen, of: f.gmvFen),
            couponsIssued: f.couponsIssued, couponsRedeemed: f.couponsRedeemed,
            redemptionRate: CampaignFigureText.fraction(f.couponsRedeemed, of: f.couponsIssued), cost: yuan(f.costFen(pointsPerYuan: plan.pointsPerYuan)),
            noConsent: f.noConsent, merged: f.merged)
    }

    /// `a` against `b` (`ResponseComparison`); per yuan of `a`'s cost when `perYuan`.
    static func comparison(
        _ a: String, _ fa: CampaignArmFigures, _ b: String, _ fb: CampaignArmFigures, _ plan: CampaignPlan, perYuan: Bool = true
    ) -> Report.Comparison {
        let c = ResponseComparison(treated: fa.comparisonArm, control: fb.comparisonArm)
        let gmv = c.incrementalGMVFen
        return Report.Comparison(
            arm: a, against: b,
            uplift: c.uplift.map {
                Report.Uplift(
                    value: CampaignFigureText.fraction($0.value), ciLow: CampaignFigureText.fraction($0.low), ciHigh: CampaignFigureText.fraction($0.high))
            },
            incrementalOrders: c.incrementalOrders, incrementalGMV: gmv.map(yuan),
            incrementalGMVPerYuan: perYuan ? gmv.flatMap { CampaignFigureText.ratio($0, per: fa.costFen(pointsPerYuan: plan.pointsPerYuan)) } : nil)
    }
}
