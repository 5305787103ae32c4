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
        subcommands: [Kind.RFM.self, Kind.Pyramid.self, Kind.Lifecycle.self, Kind.Levels.self, Kind.Channels.self, Kind.Groups.self,
                      Kind.Seasons.self, Kind.Repurchase.self])

    @OptionGroup var options: CommonOptions
    @Option(help: ArgumentHelp("Write every report to this HTML file.", valueName: "file")) var html: String?
    @Option(name: .customLong("as-of"), help: ArgumentHelp("Evaluate as of this time (RFC 3339).", valueName: "time")) var asOf: String?

    func run() async throws {
        guard let html else { throw CleanExit.helpRequest(self) }
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: "crmctl/0.1") { client in
                var reports: [String: JSONValue] = [:]
                for name in HTMLReport.methods {
                    var params: JSONObject = [:]
                    if let asOf, name != "report.levels" { params["as_of"] = .string(asOf) }
                    reports[name] = try await client.call(name, .object(params))
                }
                let page = HTMLReport.page(reports)
                // Counts and shares only, no personal data: readable like any page.
                try AtomicFile.write(page, to: html, temporaryPath: html + ".partial", mode: 0o644)
                print("wrote \(html) (\(page.utf8.count / 1024) KiB): open it in a browser")
            }
        }
    }

    /// What each report subcommand shares: fetch, then print JSON or charts.
    static func show(_ options: CommonOptions, _ method: String, asOf: String?, extra: JSONObject = [:], _ render: @escaping (JSONValue) -> Void) async throws {
        var params = extra
        if let asOf { params["as_of"] = .string(asOf) }
        let sent = params
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: "crmctl/0.1") { client in
                let r = try await client.call(method, .object(sent))
                if options.json { return printJSON(r) }
                render(r)
            }
        }
    }

    /// Days measured by the server (fractions of a day) to a tenth: `26.8`.
    static func days(_ value: JSONValue?) -> String { value?.doubleValue.map { Formats.rounded($0) } ?? "?" }

    static func chart(_ title: String, _ rows: [JSONValue]?, label: (JSONValue) -> String) -> String {
        var c = BarChart(title: title)
        for r in rows ?? [] { c.bars.append(.init(label: label(r), value: r["members"]?.int64Value ?? 0, share: r["share"]?.stringValue)) }
        return c.render()
    }

    enum Kind {
        struct RFM: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "rfm", abstract: "Members by recency, frequency and monetary band, and the R×F grid.")
            @OptionGroup var options: CommonOptions
            @Option(name: .customLong("as-of"), help: "Evaluate as of this time (RFC 3339).") var asOf: String?

            func run() async throws {
                try await ReportCommand.show(options, "report.rfm", asOf: asOf) { r in
                    print("RFM of \(r["members"]?.cellText ?? "?") members, window \(r["window_days"]?.cellText ?? "?") days, as of \(r["as_of"]?.cellText ?? "")\n")
                    for (key, title) in [("r", "R — last purchase"), ("f", "F — purchases in the window"), ("m", "M — spend in the window (yuan)")] {
                        print(ReportCommand.chart(title, r[key]?.arrayValue) { "\($0["band"]?.cellText ?? "") \($0["label"]?.cellText ?? "")" })
                        print("")
                    }
                    // The R × F grid (members), with M summed away.
                    var grid: [Int: [Int: Int64]] = [:]
                    for c in r["cells"]?.arrayValue ?? [] {
                        grid[Int(c["r"]?.int64Value ?? 0), default: [:]][Int(c["f"]?.int64Value ?? 0), default: 0] += c["members"]?.int64Value ?? 0
                    }
                    let fLabels = r["f"]?.arrayValue ?? []
                    var table = TextTable(headers: ["R \\ F"] + fLabels.map { "F\($0["band"]?.cellText ?? "") \($0["label"]?.cellText ?? "")" })
                    for rb in r["r"]?.arrayValue ?? [] {
                        let b = Int(rb["band"]?.int64Value ?? 0)
                        table.add(["R\(b) \(rb["label"]?.cellText ?? "")"] + fLabels.map { String(grid[b]?[Int($0["band"]?.int64Value ?? 0)] ?? 0) })
                    }
                    print("R × F (members)\n" + table.render())
                }
            }
        }

        struct Pyramid: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "pyramid", abstract: "The contribution pyramid (貢獻值金字塔).")
            @OptionGroup var options: CommonOptions
            @Option(name: .customLong("as-of"), help: "Evaluate as of this time (RFC 3339).") var asOf: String?

            func run() async throws {
                try await ReportCommand.show(options, "report.pyramid", asOf: asOf) { r in print(PyramidText.report(r)) }
            }
        }

        struct Lifecycle: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "lifecycle", abstract: "Members by lifecycle stage (生命週期), with the thresholds used.")
            @OptionGroup var options: CommonOptions
            @Option(name: .customLong("as-of"), help: "Evaluate as of this time (RFC 3339).") var asOf: String?

            func run() async throws {
                try await ReportCommand.show(options, "report.lifecycle", asOf: asOf) { r in
                    let t = r["thresholds"] ?? .null
                    print("Lifecycle (\(r["mode"]?.cellText ?? "fixed") thresholds: new ≤ \(t["new_days"]?.cellText ?? "?") days since the first purchase; active ≤ \(t["active_days"]?.cellText ?? "?"), silent ≤ \(t["silent_days"]?.cellText ?? "?"), sleeping ≤ \(t["sleeping_days"]?.cellText ?? "?") days since the last)")
                    if let i = r["repurchase_intervals"] {
                        print("repurchase intervals: \(i["count"]?.cellText ?? "0") gaps, median \(ReportCommand.days(i["p50_days"])) days, p90 \(ReportCommand.days(i["p90_days"])) days")
                    }
                    print(ReportCommand.chart("", r["stages"]?.arrayValue) { $0["stage"]?.cellText ?? "" })
                }
            }
        }

        struct Levels: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "levels", abstract: "Members by level.")
            @OptionGroup var options: CommonOptions

            func run() async throws {
                try await ReportCommand.show(options, "report.levels", asOf: nil) { r in
                    print(ReportCommand.chart("Levels (\(r["members"]?.cellText ?? "?") members)", r["levels"]?.arrayValue) {
                        "\($0["code"]?.cellText ?? "") \($0["name"]?.cellText ?? "")"
                    })
                }
            }
        }

        struct Channels: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "channels", abstract: "Members by the channels they buy in, and the overlap.")
            @OptionGroup var options: CommonOptions
            @Option(name: .customLong("as-of"), help: "Evaluate as of this time (RFC 3339).") var asOf: String?
            @Option(name: .customLong("within-days"), help: "Only purchases in the last days (default: ever).") var withinDays: Int?

            func run() async throws {
                var extra: JSONObject = [:]
                if let withinDays { extra["within_days"] = .int(Int64(withinDays)) }
                try await ReportCommand.show(options, "report.channels", asOf: asOf, extra: extra) { r in
                    print("\(r["multi_channel"]?.cellText ?? "0") of \(r["buyers"]?.cellText ?? "0") buyers (\(r["multi_channel_share"]?.cellText ?? "0")%) buy in several channels\n")
                    print(ReportCommand.chart("By channel", r["by_channel"]?.arrayValue) { $0["channel"]?.cellText ?? "" })
                    print("")
                    print(ReportCommand.chart("By combination", r["combinations"]?.arrayValue) { $0["channels"]?.cellText ?? "" })
                }
            }
        }

        struct Groups: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "groups", abstract: "Purchase-count groups.")
            @OptionGroup var options: CommonOptions
            @Option(name: .customLong("as-of"), help: "Evaluate as of this time (RFC 3339).") var asOf: String?

            func run() async throws {
                try await ReportCommand.show(options, "report.purchase_groups", asOf: asOf) { r in
                    print(ReportCommand.chart("Purchase-count groups", r["groups"]?.arrayValue) { $0["group"]?.cellText ?? "" })
                }
            }
        }

        struct Seasons: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "seasons", abstract: "Buyers by the number of seasons they bought in.")
            @OptionGroup var options: CommonOptions
            @Option(name: .customLong("as-of"), help: "Evaluate as of this time (RFC 3339).") var asOf: String?

            func run() async throws {
                try await ReportCommand.show(options, "report.seasons", asOf: asOf) { r in
                    print("\(r["all_four"]?.cellText ?? "0") bought in all four seasons; \(r["at_risk"]?.cellText ?? "0") bought in the window but in neither of the last two seasons\n")
                    print(ReportCommand.chart("Seasons bought in", r["by_seasons"]?.arrayValue) { "\($0["seasons"]?.cellText ?? "") season(s)" })
                }
            }
        }

        struct Repurchase: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "repurchase", abstract: "Repurchase rate, old customers' share of spend, average order.")
            @OptionGroup var options: CommonOptions
            @Option(name: .customLong("as-of"), help: "Evaluate as of this time (RFC 3339).") var asOf: String?

            func run() async throws {
                try await ReportCommand.show(options, "report.repurchase", asOf: asOf) { r in
                    printLabelled([
                        ("repurchase rate (window)", "\(r["repurchase_rate_in_window"]?.cellText ?? "0")%  (\(r["repeat_buyers_in_window"]?.cellText ?? "0") of \(r["buyers_in_window"]?.cellText ?? "0") buyers)"),
                        ("repurchase rate (ever)", "\(r["repurchase_rate_ever"]?.cellText ?? "0")%  (\(r["repeat_buyers_ever"]?.cellText ?? "0") of \(r["buyers_ever"]?.cellText ?? "0"))"),
                        ("spend in the window", "¥\(r["spend_in_window"]?.cellText ?? "0")"),
                        ("old customers' share", "\(r["old_customer_share"]?.cellText ?? "0")%  (¥\(r["old_customer_spend"]?.cellText ?? "0"))"),
                        ("average order", "¥\(r["average_order"]?.cellText ?? "0") over \(r["purchases_in_window"]?.cellText ?? "0") purchases"),
                    ])
                }
            }
        }
    }
}
