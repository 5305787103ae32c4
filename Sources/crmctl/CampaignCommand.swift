import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl campaign …`: campaigns with a control group (docs/campaigns.md): create, launch with
/// progress (and later waves), list, show, stop, and the touch list.
struct CampaignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Campaigns with a control group: create, launch (with waves), list, show, stop, and the touch list.",
        subcommands: [CampaignCreateCommand.self, CampaignLaunchCommand.self, List.self, Show.self, Stop.self, CampaignTouchesCommand.self, CampaignReportCommand.self]
    )

    static let headers = ["name", "status", "segment", "members", "touched", "created", "launched"]

    static func row(_ c: RPC.Campaign.Summary) -> [String] {
        [c.name, c.status, c.segment ?? "-", String(c.members), String(c.touched), c.createdAt, c.launchedAt ?? "-"]
    }

    /// A wave's tally in words.
    static func tally(touched: Int64, heldOut: Int64, noConsent: Int64, budget: Int64, refused: Int64, total: Int64) -> String {
        "\(touched) touched, \(heldOut) held out, \(noConsent) without consent, \(budget) over budget, \(refused) refused of \(total) members"
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Campaigns by name.")
        @OptionGroup var options: CommonOptions
        @Option(help: "Only campaigns of this status: draft, running, stopped, done.") var status: String?

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    var campaigns: [RPC.Campaign.Summary] = []
                    var cursor: String?
                    repeat {
                        let page = try await client.call(RPC.Campaign.List.self, .init(status: status, cursor: cursor, limit: pageSize))
                        campaigns += page.campaigns
                        cursor = page.nextCursor
                    } while cursor != nil
                    if options.json { return try printJSON(RPC.Campaign.List.Result(campaigns: campaigns, nextCursor: nil)) }
                    var table = TextTable(headers: CampaignCommand.headers)
                    for c in campaigns { table.add(CampaignCommand.row(c)) }
                    print(table.render())
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A campaign, its plan and its waves so far.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Campaign name.") var name: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Campaign.Get.self, .init(name: name))
                    if options.json { return try printJSON(r) }
                    let c = r.campaign
                    print("campaign \(c.name): \(c.status), segment \(c.segment ?? "-"), \(c.members) members, \(c.touched) touched")
                    print("plan: \(JSONSerializer.serialize(c.plan))")
                    var table = TextTable(headers: ["wave", "started", "finished", "members", "touched", "held out", "no consent", "budget", "refused"])
                    for o in r.occasions {
                        table.add([
                            String(o.occasion), o.startedAt, o.finishedAt ?? (o.done ? "-" : "running"), String(o.total), String(o.touched),
                            String(o.heldOut), String(o.noConsent), String(o.budget), String(o.refused),
                        ])
                    }
                    print(table.render())
                }
            }
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a campaign: no batch or wave touches anyone after this.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Campaign name.") var name: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Campaign.Stop.self, .init(name: name))
                    if options.json { return try printJSON(r) }
                    print("campaign \(r.campaign.name): \(r.campaign.status), \(r.campaign.touched) touched")
                }
            }
        }
    }
}
