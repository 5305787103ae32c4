import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

struct LevelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "level", abstract: "Read and set members' levels, re-evaluate everyone, read and set the level ladder.",
        subcommands: [Get.self, SetLevel.self, Evaluate.self, Rules.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a member's level, what it qualifies for, its spend and orders, and its level history.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: MemberID

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let l = try await client.call(RPC.Level.Get.self, .init(memberID: memberID))
                    if options.json { return printJSON(try JSONValueEncoder().encode(l)) }
                    printLabelled([
                        ("member", l.memberID.description), ("level", levelText(l.level)), ("since", l.since ?? "-"),
                        ("manual", l.manual ? "yes (set by an operator: evaluation never lowers it below this)" : "no"),
                        ("below since", l.belowSince ?? "-"), ("qualifies", levelText(l.qualifies)),
                        ("spend", "\(Formats.yuan(fen: l.spendFen)) yuan"), ("orders", String(l.orders)),
                    ])
                    guard !l.history.isEmpty else { return }
                    var table = TextTable(headers: ["at", "from", "to", "reason", "by"])
                    for h in l.history {
                        table.add([h.at, h.from ?? "-", h.to, h.reason, h.actor])
                    }
                    print("")
                    print(table.render())
                }
            }
        }
    }

    struct SetLevel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set a member's level by hand (audited).",
            discussion: "An operator's level holds: evaluation may raise the member but never lowers it below the level set."
        )
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: MemberID
        @Argument(help: "Level code, as in `crmctl level rules get`.") var level: String
        @Option(help: "Why (kept in the level history and the audit).") var reason: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Level.Set.self, .init(memberID: memberID, level: level, reason: reason))
                    if options.json { return printJSON(try JSONValueEncoder().encode(r)) }
                    print("member \(r.memberID) is now \(levelText(r.level))")
                }
            }
        }
    }

    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-evaluate every member's level as of a day: raise at once, lower after the grace period.",
            discussion: "points-expiry runs this after each nightly expiry; run it by hand after changing the ladder."
        )
        @OptionGroup var options: CommonOptions
        @Option(name: .customLong("as-of"), help: ArgumentHelp("The day to evaluate as of, YYYY-MM-DD.", valueName: "date")) var asOf: String
        @Flag(name: .customLong("dry-run"), help: "Count what would change; change nothing.") var dryRun = false

        func validate() throws {
            guard Formats.isCalendarDate(asOf) else { throw ValidationError("--as-of must be a date YYYY-MM-DD") }
        }

        func run() async throws {
            let sent = RPC.Level.Evaluate.Params(asOf: asOf, dryRun: dryRun ? true : nil)
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Level.Evaluate.self, sent)
                    if options.json { return printJSON(try JSONValueEncoder().encode(r)) }
                    print(evaluationText(r) + (dryRun ? " (dry run: nothing changed)" : ""))
                }
            }
        }
    }

    struct Rules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rules", abstract: "Read or replace the level ladder.", subcommands: [RulesGet.self, RulesSet.self])
    }

    struct RulesGet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Show the ladder in force (the defaults when never set).")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Level.RulesGet.self)
                    if options.json { return printJSON(try JSONValueEncoder().encode(r)) }
                    printLadder(r)
                }
            }
        }
    }

    struct RulesSet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Replace the ladder with the one in a JSON file (admin; audited).",
            discussion: """
                The file holds the ladder itself (sent as `value`): {"basis": "cumulative"|"rolling", "window_months": 12, \
                "grace_days": 30, "levels": [{"code": "normal", "name": "普通", "min_spend": "0", "min_orders": 0, \
                "price_percent": 100, "points_multiplier_percent": 100}, …]}. The first level needs nothing; each next \
                one more. `-` reads standard input. Start from `crmctl level rules get --json`.
                """
        )
        @OptionGroup var options: CommonOptions
        @Argument(help: ArgumentHelp("The ladder as JSON, or - for standard input.", valueName: "file.json")) var file: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                let value = try readJSONFile(file)
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Level.RulesSet.self, .init(value: value))
                    if options.json { return printJSON(try JSONValueEncoder().encode(r)) }
                    print("the ladder is now:")
                    printLadder(r)
                }
            }
        }
    }
}

/// `gold (金卡)`; the code alone when the name says no more.
func levelText(_ level: RPC.Level.Ref) -> String {
    level.name == level.code ? level.code : "\(level.code) (\(level.name))"
}

/// The answer of level.evaluate as a sentence.
func evaluationText(_ r: RPC.Level.Evaluate.Result) -> String {
    "\(r.members) members evaluated, \(r.raised) raised, \(r.lowered) lowered, \(r.pendingDrop) pending a drop"
}

/// The level ladder: its basis and a table of levels.
func printLadder(_ ladder: RPC.Level.Ladder) {
    var basis = ladder.basis
    if ladder.basis == "rolling" { basis += " (over \(ladder.windowMonths) months)" }
    printLabelled([("basis", basis), ("grace", "\(ladder.graceDays) days before a member who no longer qualifies drops")])
    var table = TextTable(headers: ["code", "name", "min spend (yuan)", "min orders", "price", "points", "benefits"])
    for l in ladder.levels {
        table.add([
            l.code, l.name, l.minSpend, String(l.minOrders), "\(l.pricePercent)%", "\(l.pointsMultiplierPercent)%",
            l.benefits.map(\.name).joined(separator: ", ").nonEmpty ?? "-",
        ])
    }
    print("")
    print(table.render())
}
