import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// `crmctl referral`: members' codes and links, who referred whom, binding by hand, statistics, the programme.
struct ReferralCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "referral", abstract: "Referral codes and links, bindings, rewards and statistics (老帶新).",
        subcommands: [Link.self, Get.self, Bind.self, Stats.self, Program.self])

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a member's referral code and link (made on first use).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("referral.link", ["member_id": .string(memberID)])
                    if options.json { return printJSON(r) }
                    printLabelled([("member", r["member_id"]?.cellText ?? memberID), ("code", r["code"]?.cellText ?? "-"), ("link", r["url"]?.cellText ?? "-")])
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show who referred a member and whom the member referred, with status and points.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("referral.get", ["member_id": .string(memberID)])
                    if options.json { return printJSON(r) }
                    let by = r["referred_by"]
                    printLabelled([
                        ("member", r["member_id"]?.cellText ?? memberID), ("code", r["code"]?.cellText ?? "-"),
                        ("referred by", by == nil || by == .null ? "-" : "\(by?["member_id"]?.cellText ?? "?") \(by?["name"]?.cellText ?? "") (\(by?["status"]?.cellText ?? ""), \(by?["points"]?.cellText ?? "0") points to this member)"),
                    ])
                    let referred = r["referred"]?.arrayValue ?? []
                    guard !referred.isEmpty else { return }
                    var table = TextTable(headers: ["member", "name", "status", "source", "bound", "qualified", "points", "voided because"])
                    for b in referred {
                        table.add([b["member_id"]?.cellText ?? "", b["name"]?.cellText ?? "", b["status"]?.cellText ?? "", b["source"]?.cellText ?? "",
                                   b["bound_at"]?.cellText ?? "", b["qualified_at"]?.cellText ?? "-", b["points"]?.cellText ?? "0", b["void_reason"]?.cellText ?? ""])
                    }
                    print("")
                    print(table.render())
                }
            }
        }
    }

    struct Bind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bind a member to the owner of a referral code by hand (audited).",
            discussion: "The same rules as a signup: a member is bound once, never to itself, never in a cycle. Rewards follow the member's next paid order.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id of the referred member.") var memberID: String
        @Argument(help: "The referrer's code.") var code: String
        @Option(help: "Why (kept in the audit log).") var reason: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("referral.bind", ["member_id": .string(memberID), "code": .string(code), "reason": .string(reason)])
                    if options.json { return printJSON(r) }
                    print("member \(r["member_id"]?.cellText ?? memberID) bound (binding \(r["binding_id"]?.cellText ?? "?"))")
                }
            }
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Top referrers and conversion.")
        @OptionGroup var options: CommonOptions
        @Option(help: "How many referrers to list (1-1000).") var limit: Int = 20

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let s = try await client.call("referral.stats", ["limit": .int(limit)])
                    if options.json { return printJSON(s) }
                    printLabelled([("bindings", s["bindings"]?.cellText ?? "0"), ("rewarded", s["rewarded"]?.cellText ?? "0"),
                                   ("voided", s["voided"]?.cellText ?? "0"), ("conversion", "\(s["conversion_percent"]?.cellText ?? "0") %")])
                    var table = TextTable(headers: ["referrer", "name", "referred", "rewarded", "voided", "points"])
                    for t in s["top"]?.arrayValue ?? [] {
                        table.add([t["member_id"]?.cellText ?? "", t["name"]?.cellText ?? "", t["referred"]?.cellText ?? "", t["rewarded"]?.cellText ?? "",
                                   t["voided"]?.cellText ?? "", t["points"]?.cellText ?? ""])
                    }
                    print("")
                    print(table.render())
                }
            }
        }
    }

    struct Program: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show or set the reward programme (each set is a new version).",
                                                        subcommands: [ProgramGet.self, ProgramSet.self])
    }

    struct ProgramGet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Print the programme in force as JSON.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await connection.withClient(client: "crmctl/0.1") { client in printJSON(try await client.call("referral.program.get", [:])) }
            }
        }
    }

    struct ProgramSet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Set a new version of the programme from a JSON file (admin).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "JSON file with the programme (see docs/referrals.md); - reads standard input.") var file: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                let value = try readJSONFile(file)
                try await connection.withClient(client: "crmctl/0.1") { client in
                    let saved = try await client.call("referral.program.set", ["value": value])
                    print("referral programme version \(saved["version"]?.cellText ?? "?") in force")
                }
            }
        }
    }
}
