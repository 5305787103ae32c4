import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

extension PointsExpiry {
    /// `points-expiry campaigns`: the day's evaluation of the standing campaigns (campaign.evaluate to the end).
    struct Campaigns: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Touch the members entering a standing campaign's lifecycle stage or birthday month today (or --as-of), once per entry.",
            discussion: """
                Calls campaign.evaluate batch by batch until done, printing each campaign's figures on standard error. Each \
                entry is touched once, so running it again the same day (or after a stop) touches nobody twice; a day the job \
                did not run is caught up by the next run (the stays that began meanwhile are still entries). Rules: \
                docs/standing-campaigns.md.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var day: MemberDayOptions

        func run() async throws {
            try await StopSignal.handling {
                try await runClientCommand("points-expiry") {
                    try await connection.withClient(client: "points-expiry/0.1") { client in try await evaluate(client) }
                }
            }
        }

        /// One campaign's figures for the day, summed over its batches.
        private struct Figures {
            var members: Int64 = 0, entries: Int64 = 0, touched: Int64 = 0, heldOut: Int64 = 0, noConsent: Int64 = 0
            var budget: Int64 = 0, refused: Int64 = 0, already: Int64 = 0

            mutating func add(_ r: RPC.CampaignJobs.Evaluate.Result) {
                members += r.members
                entries += r.entries
                touched += r.touched
                heldOut += r.heldOut
                noConsent += r.noConsent
                budget += r.budget
                refused += r.refused
                already += r.already
            }

            var line: String {
                "\(entries) entries among \(members) members: \(touched) touched, \(heldOut) held out, \(noConsent) without consent, "
                    + "\(budget) over budget, \(refused) refused, \(already) touched before"
            }
        }

        private func evaluate(_ client: RPCClient) async throws {
            var figures = Figures()
            var campaigns = 0
            while true {
                if StopSignal.isRequested {
                    throw CommandFailure("stopped by signal; run again to finish the day", exitCode: StopSignal.exitStatus)
                }
                let r = try await client.call(RPC.CampaignJobs.Evaluate.self, .init(asOf: day.asOf, limit: day.batch))
                if r.done {
                    log("campaigns \(r.asOf): \(campaigns) standing campaigns evaluated")
                    return
                }
                figures.add(r)
                if let problem = r.problem { log("campaigns \(r.asOf): passed over: \(problem)") }
                if r.campaignDone {
                    campaigns += 1
                    log("campaign \(r.campaign ?? "-") \(r.asOf) (occasion \(r.occasion.map(String.init) ?? "-")): \(figures.line)")
                    figures = Figures()
                }
            }
        }
    }
}
