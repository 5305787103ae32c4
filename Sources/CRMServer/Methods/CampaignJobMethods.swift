import CRMProtocol
import CRMStorage

/// The daily job's campaign method: `campaign.evaluate` (standing campaigns).
enum CampaignJobMethods {
    typealias Jobs = RPC.CampaignJobs

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Jobs.Evaluate.self, access: .write, scope: .merchantWide) { p, call in
                let loyalty = try await context.loyaltyPolicy()
                let asOf: String
                if let given = p.asOf { asOf = given } else { asOf = try await context.points.today(offsetMinutes: loyalty.points.offsetMinutes) }
                let measures = try await context.measureContext(asOf: nil).value
                let b = try await StandingCampaigns(pool: context.pool).evaluate(
                    asOf: asOf, context: measures, loyalty: loyalty, limit: p.limit ?? 5_000, actor: call.actor)
                if b.touched > 0 || b.problem != nil {
                    context.logger.notice(
                        "standing campaign evaluated",
                        metadata: [
                            "request": "\(call.requestID)", "as_of": "\(asOf)", "campaign": "\(b.campaign ?? "-")", "touched": "\(b.touched)",
                            "problem": "\(b.problem ?? "-")",
                        ])
                }
                return Jobs.Evaluate.Result(
                    asOf: asOf, campaign: b.campaign, occasion: b.occasion, members: b.members, entries: b.entries, touched: b.touched,
                    heldOut: b.heldOut, noConsent: b.noConsent, budget: b.budget, refused: b.refused, already: b.already,
                    campaignDone: b.campaignDone, problem: b.problem, done: b.done)
            }
        ]
    }
}
