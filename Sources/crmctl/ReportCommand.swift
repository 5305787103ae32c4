import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// `crmctl report`: the measures as tables with bar charts, or one HTML page with every chart.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "RFM, contribution pyramid, lifecycle, levels, channels … as tables with bar charts.",
        discussion: "`crmctl report --html FILE` writes one self-contained page with every report as inline SVG charts.",
        subcommands: [
            Kind.RFM.self, Kind.Pyramid.self, Kind.Lifecycle.self, Kind.Levels.self, Kind.Channels.self, Kind.Groups.self,
            Kind.Seasons.self, Kind.Repurchase.self,
        ])

    @OptionGroup var options: CommonOptions
    @Option(help: ArgumentHelp("Write every report to this HTML file.", valueName: "file")) var html: String?
    @Option(name: .customLong("as-of"), help: ArgumentHelp("Evaluate every report as of this time (RFC 3339).", valueName: "time"))
    var asOf: String?
    @Option(
        name: .customLong("campaign"),
        help: ArgumentHelp("Only this campaign's report on the HTML page (repeatable; default: every campaign launched).", valueName: "name"))
    var campaigns: [String] = []

    func run() async throws {
        guard let html else { throw CleanExit.helpRequest(self) }
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: CRMCtl.clientName) { client in
                let at = RPC.Report.AsOfParams(asOf: asOf)
                let reports = HTMLReport.Reports(
                    rfm: try await client.call(RPC.Report.RFM.self, at), pyramid: try await client.call(RPC.Report.Pyramid.self, at),
                    groups: try await client.call(RPC.Report.PurchaseGroups.self, at), lifecycle: try await client.call(RPC.Report.Lifecycle.self, at),
                    seasons: try await client.call(RPC.Report.Seasons.self, at), repurchase: try await client.call(RPC.Report.Repurchase.self, at),
                    channels: try await client.call(RPC.Report.Channels.self, .init(asOf: asOf)),
                    levels: try await client.call(RPC.Report.Levels.self, .init()),
                    campaigns: try await campaignReports(client))
                let page = HTMLReport.page(reports)
                // Counts and shares only, but the merchant's business: mode 0600 like every file crmctl writes.
                try AtomicFile.write(page, to: html, temporaryPath: html + ".partial")
                print("wrote \(html) (\(page.utf8.count / 1024) KiB): open it in a browser")
            }
        }
    }

    /// The reports of the campaigns named with `--campaign`, in that order; without it, of every
    /// campaign that was launched (running, stopped or done), by name.
    func campaignReports(_ client: RPCClient) async throws -> [RPC.CampaignReport.Report.Result] {
        var names = campaigns
        if names.isEmpty {
            names = try await allPages { cursor in
                let page = try await client.call(RPC.Campaign.List.self, .init(cursor: cursor))
                return (page.campaigns.filter { $0.launchedAt != nil }.map(\.name), page.nextCursor)
            }
        }
        var out: [RPC.CampaignReport.Report.Result] = []
        for name in names { out.append(try await client.call(RPC.CampaignReport.Report.self, .init(name: name))) }
        return out
    }

    /// What each report subcommand shares: fetch, then print JSON or charts.
    static func show<M: RPCMethod>(_ options: CommonOptions, _ method: M.Type, _ params: M.Params, _ render: @escaping (M.Result) -> Void) async throws {
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: CRMCtl.clientName) { client in
                let r = try await client.call(method, params)
                if options.json { return try printJSON(r) }
                render(r)
            }
        }
    }

    /// The subcommands' note on `--as-of`, which belongs to `crmctl report` and is given after them too.
    static let asOfHelp = "--as-of TIME evaluates the report as of that time (RFC 3339), e.g. crmctl report rfm --as-of 2026-07-01T00:00:00+08:00."

    /// Days measured by the server (fractions of a day) to a tenth: `26.8`.
    static func days(_ value: Double) -> String { Formats.rounded(value) }

    static func chart<Row: MembersShare>(_ title: String, _ rows: [Row], label: (Row) -> String) -> String {
        var c = BarChart(title: title)
        for r in rows { c.bars.append(.init(label: label(r), value: r.members, share: r.share)) }
        return c.render()
    }

    enum Kind {
        struct RFM: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "rfm", abstract: "Members by recency, frequency and monetary band, and the R×F grid.", discussion: ReportCommand.asOfHelp)
            @OptionGroup var options: CommonOptions
            /// `--as-of` is the report command's: given after the subcommand, it is still parsed as the parent's.
            @ParentCommand var report: ReportCommand

            func run() async throws {
                try await ReportCommand.show(options, RPC.Report.RFM.self, .init(asOf: report.asOf)) { r in
                    print("RFM of \(r.members) members, window \(r.windowDays) days, as of \(r.asOf)\n")
                    for (bands, title) in [(r.r, "R — last purchase"), (r.f, "F — purchases in the window"), (r.m, "M — spend in the window (yuan)")] {
                        print(ReportCommand.chart(title, bands) { "\($0.band) \($0.label)" })
                        print("")
                    }
                    // The R × F grid (members), with M summed away.
                    var grid: [Int: [Int: Int64]] = [:]
                    for c in r.cells { grid[c.r, default: [:]][c.f, default: 0] += c.members }
                    var table = TextTable(headers: ["R \\ F"] + r.f.map { "F\($0.band) \($0.label)" })
                    for rb in r.r {
                        table.add(["R\(rb.band) \(rb.label)"] + r.f.map { String(grid[rb.band]?[$0.band] ?? 0) })
                    }
                    print("R × F (members)\n" + table.render())
                }
            }
        }

        struct Pyramid: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "pyramid", abstract: "The contribution pyramid (貢獻值金字塔).", discussion: ReportCommand.asOfHelp)
            @OptionGroup var options: CommonOptions
            /// `--as-of` is the report command's: given after the subcommand, it is still parsed as the parent's.
            @ParentCommand var report: ReportCommand

            func run() async throws {
                try await ReportCommand.show(options, RPC.Report.Pyramid.self, .init(asOf: report.asOf)) { r in print(PyramidText.report(r)) }
            }
        }

        struct Lifecycle: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "lifecycle", abstract: "Members by lifecycle stage (生命週期), with the thresholds used.", discussion: ReportCommand.asOfHelp)
            @OptionGroup var options: CommonOptions
            /// `--as-of` is the report command's: given after the subcommand, it is still parsed as the parent's.
            @ParentCommand var report: ReportCommand

            func run() async throws {
                try await ReportCommand.show(options, RPC.Report.Lifecycle.self, .init(asOf: report.asOf)) { r in
                    let t = r.thresholds
                    print(
                        "Lifecycle (\(r.mode) thresholds: new ≤ \(t.newDays) days since the first purchase; active ≤ \(t.activeDays), silent ≤ \(t.silentDays), sleeping ≤ \(t.sleepingDays) days since the last)"
                    )
                    if let i = r.repurchaseIntervals {
                        print("repurchase intervals: \(i.count) gaps, median \(ReportCommand.days(i.p50Days)) days, p90 \(ReportCommand.days(i.p90Days)) days")
                    }
                    print(ReportCommand.chart("", r.stages) { $0.stage })
                }
            }
        }

        struct Levels: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "levels", abstract: "Members by level.")
            @OptionGroup var options: CommonOptions

            func run() async throws {
                try await ReportCommand.show(options, RPC.Report.Levels.self, .init()) { r in
                    print(ReportCommand.chart("Levels (\(r.members) members)", r.levels) { "\($0.code) \($0.name)" })
                }
            }
        }

        struct Channels: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "channels", abstract: "Members by the channels they buy in, and the overlap.", discussion: ReportCommand.asOfHelp)
            @OptionGroup var options: CommonOptions
            /// `--as-of` is the report command's: given after the subcommand, it is still parsed as the parent's.
            @ParentCommand var report: ReportCommand
            @Option(name: .customLong("within-days"), help: "Only purchases in the last days (default: ever).") var withinDays: Int?

            func run() async throws {
                try await ReportCommand.show(options, RPC.Report.Channels.self, .init(asOf: report.asOf, withinDays: withinDays)) { r in
                    print("\(r.multiChannel) of \(r.buyers) buyers (\(r.multiChannelShare)%) buy in several channels\n")
                    print(ReportCommand.chart("By channel", r.byChannel) { $0.channel })
                    print("")
                    print(ReportCommand.chart("By combination", r.combinations) { $0.channels })
                }
            }
        }

        struct Groups: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "groups", abstract: "Purchase-count groups.", discussion: ReportCommand.asOfHelp)
            @OptionGroup var options: CommonOptions
            /// `--as-of` is the report command's: given after the subcommand, it is still parsed as the parent's.
            @ParentCommand var report: ReportCommand

            func run() async throws {
                try await ReportCommand.show(options, RPC.Report.PurchaseGroups.self, .init(asOf: report.asOf)) { r in
                    print(ReportCommand.chart("Purchase-count groups", r.groups) { $0.group })
                }
            }
        }

        struct Seasons: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "seasons", abstract: "Buyers by the number of seasons they bought in.", discussion: ReportCommand.asOfHelp)
            @OptionGroup var options: CommonOptions
            /// `--as-of` is the report command's: given after the subcommand, it is still parsed as the parent's.
            @ParentCommand var report: ReportCommand

            func run() async throws {
                try await ReportCommand.show(options, RPC.Report.Seasons.self, .init(asOf: report.asOf)) { r in
                    print("\(r.allFour) bought in all four seasons; \(r.atRisk) bought in the window but in neither of the last two seasons\n")
                    print(ReportCommand.chart("Seasons bought in", r.bySeasons) { "\($0.seasons) season(s)" })
                }
            }
        }

        struct Repurchase: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "repurchase", abstract: "Repurchase rate, old customers' share of spend, average order.", discussion: ReportCommand.asOfHelp)
            @OptionGroup var options: CommonOptions
            /// `--as-of` is the report command's: given after the subcommand, it is still parsed as the parent's.
            @ParentCommand var report: ReportCommand

            func run() async throws {
                try await ReportCommand.show(options, RPC.Report.Repurchase.self, .init(asOf: report.asOf)) { r in
                    printLabelled([
                        ("repurchase rate (window)", "\(r.repurchaseRateInWindow)%  (\(r.repeatBuyersInWindow) of \(r.buyersInWindow) buyers)"),
                        ("repurchase rate (ever)", "\(r.repurchaseRateEver)%  (\(r.repeatBuyersEver) of \(r.buyersEver))"),
                        ("spend in the window", "¥\(r.spendInWindow)"),
                        ("old customers' share", "\(r.oldCustomerShare)%  (¥\(r.oldCustomerSpend))"),
                        ("average order", "¥\(r.averageOrder) over \(r.purchasesInWindow) purchases"),
                    ])
                }
            }
        }
    }
}
