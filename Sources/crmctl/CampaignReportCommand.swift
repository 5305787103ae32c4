import ArgumentParser
import CRMCommandLine
import CRMProtocol

/// `crmctl campaign report NAME`: what a campaign did, per wave and in total, against its control
/// group (docs/campaigns.md (Reading a report)), as tables with bar charts or `--json`.
struct CampaignReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "What a campaign did against its control group: response rates, uplift, incremental GMV, cost, 核銷率.",
        discussion: "The total counts each member once over all waves; --wave N shows one wave. How to read it: docs/campaigns.md (Reading a report).")

    @OptionGroup var options: CommonOptions
    @Argument(help: "The campaign's name.") var name: String
    @Option(help: ArgumentHelp("Only this wave (occasion).", valueName: "n")) var wave: Int64?

    func run() async throws {
        try await ReportCommand.show(options, RPC.CampaignReport.Report.self, .init(name: name, occasion: wave)) { r in
            print(CampaignReportText.render(r))
        }
    }
}
