import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

struct LevelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "level", abstract: "Read and set members' levels, re-evaluate everyone, read and set the level ladder.",
                                                    subcommands: [Get.self, SetLevel.self, Evaluate.self, Rules.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a member's level, what it qualifies for, its spend and orders, and its level history.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let l = try await client.call("level.get", ["member_id": .string(memberID)])
                    if options.json { return printJSON(l) }
                    printLabelled([
                        ("member", l["member_id"]?.cellText ?? memberID), ("level", levelText(l["level"])), ("since", l["since"]?.cellText ?? "-"),
                        ("manual", l["manual"]?.boolValue == true ? "yes (set by an operator: evaluation never lowers it below this)" : "no"),
                        ("below since", l["below_since"]?.cellText ?? "-"), ("qualifies", levelText(l["qualifies"])),
                        ("spend", l["spend_fen"]?.int64Value.map { "\(Formats.yuan(fen: $0)) yuan" } ?? l["spend_fen"]?.cellText ?? "-"),
                        ("orders", l["orders"]?.cellText ?? "-"),
                    ])
                    let history = l["history"]?.arrayValue ?? []
                    guard !history.isEmpty else { return }
                    var table = TextTable(headers: ["at", "from", "to", "reason", "by"])
                    for h in history {
                        table.add([h["at"]?.cellText ?? "", levelCode(h["from"]), levelCode(h["to"]), h["reason"]?.cellText ?? "", h["actor"]?.cellText ?? ""])
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
        @Argument(help: "Member id.") var memberID: String
        @Argument(help: "Level code, as in `crmctl level rules get`.") var level: String
        @Option(help: "Why (kept in the level history and the audit).") var reason: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("level.set", ["member_id": .string(memberID), "level": .string(level), "reason": .string(reason)])
                    if options.json { return printJSON(r) }
                    print("member \(r["member_id"]?.cellText ?? memberID) is now \(levelText(r["level"]))")
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
            var params: JSONObject = ["as_of": .string(asOf)]
            if dryRun { params["dry_run"] = true }
            let sent = params
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("level.evaluate", .object(sent))
                    if options.json { return printJSON(r) }
                    print(evaluationText(r) + (dryRun ? " (dry run: nothing changed)" : ""))
                }
            }
        }
    }

    struct Rules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rules", abstract: "Read or replace the level ladder.", subcommands: [RulesGet.self, RulesSet.self])
    }

    struct RulesGet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Show the ladder in force (the defaults when never set).")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("level.rules.get", [:])
                    if options.json { return printJSON(r) }
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
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("level.rules.set", ["value": value])
                    if options.json { return printJSON(r) }
                    print("the ladder is now:")
                    printLadder(r)
                }
            }
        }
    }
}

/// `gold (金卡)`, or `-` when absent.
func levelText(_ level: JSONValue?) -> String {
    guard let level, !level.isNull else { return "-" }
    guard level.objectValue != nil else { return level.cellText }
    let code = level["code"]?.cellText ?? "?"
    guard let name = level["name"]?.stringValue, name != code else { return code }
    return "\(code) (\(name))"
}

/// A level's code whether the server sent the code or a `{"code", "name"}` object; `-` for none.
func levelCode(_ level: JSONValue?) -> String {
    guard let level, !level.isNull else { return "-" }
    return level["code"]?.cellText ?? level.cellText
}

/// The answer of level.evaluate as a sentence.
func evaluationText(_ r: JSONValue) -> String {
    "\(r["members"]?.cellText ?? "?") members evaluated, \(r["raised"]?.cellText ?? "?") raised, \(r["lowered"]?.cellText ?? "?") lowered, \(r["pending_drop"]?.cellText ?? "?") pending a drop"
}

/// The level ladder: its basis and a table of levels. Takes the ladder or `{"value": ladder}`.
func printLadder(_ answer: JSONValue) {
    let ladder = answer["value"].flatMap { $0.objectValue == nil ? nil : $0 } ?? answer
    var basis = ladder["basis"]?.cellText ?? "?"
    if ladder["basis"]?.stringValue == "rolling" { basis += " (over \(ladder["window_months"]?.cellText ?? "?") months)" }
    printLabelled([("basis", basis), ("grace", "\(ladder["grace_days"]?.cellText ?? "?") days before a member who no longer qualifies drops")])
    var table = TextTable(headers: ["code", "name", "min spend (yuan)", "min orders", "price", "points"])
    for l in ladder["levels"]?.arrayValue ?? [] {
        table.add([l["code"]?.cellText ?? "", l["name"]?.cellText ?? "", l["min_spend"]?.cellText ?? "", l["min_orders"]?.cellText ?? "",
                   l["price_percent"].map { "\($0.cellText)%" } ?? "-", l["points_multiplier_percent"].map { "\($0.cellText)%" } ?? "-"])
    }
    print("")
    print(table.render())
}
