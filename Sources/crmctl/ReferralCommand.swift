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
        @Argument(help: "Member id.") var memberID: MemberID

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Referral.Link.self, .init(memberID: memberID))
                    if options.json { return printJSON(try JSONValueEncoder().encode(r)) }
                    printLabelled([("member", r.memberID.description), ("code", r.code), ("link", r.url)])
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show who referred a member and whom the member referred, with status and points.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: MemberID

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Referral.Get.self, .init(memberID: memberID))
                    if options.json { return printJSON(try JSONValueEncoder().encode(r)) }
                    printLabelled([
                        ("member", r.memberID.description), ("code", r.code),
                        (
                            "referred by",
                            r.referredBy.map { by in "\(by.memberID) \(by.name ?? "-") (\(by.status), \(by.points) points to this member)" } ?? "-"
                        ),
                    ])
                    guard !r.referred.isEmpty else { return }
                    var table = TextTable(headers: ["member", "name", "status", "source", "bound", "qualified", "points", "voided because"])
                    for b in r.referred {
                        table.add([
                            b.memberID.description, b.name ?? "-", b.status, b.source, b.boundAt, b.qualifiedAt ?? "-", String(b.points), b.voidReason ?? "-",
                        ])
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
        @Argument(help: "Member id of the referred member.") var memberID: MemberID
        @Argument(help: "The referrer's code.") var code: String
        @Option(help: "Why (kept in the audit log).") var reason: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Referral.Bind.self, .init(memberID: memberID, code: code, reason: reason))
                    if options.json { return printJSON(try JSONValueEncoder().encode(r)) }
                    print("member \(r.memberID) bound (binding \(r.bindingID))")
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
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let s = try await client.call(RPC.Referral.Stats.self, .init(limit: limit))
                    if options.json { return printJSON(try JSONValueEncoder().encode(s)) }
                    printLabelled([
                        ("bindings", String(s.bindings)), ("rewarded", String(s.rewarded)), ("voided", String(s.voided)),
                        ("conversion", "\(JSONValue.double(s.conversionPercent).cellText) %"),
                    ])
                    var table = TextTable(headers: ["referrer", "name", "referred", "rewarded", "voided", "points"])
                    for t in s.top {
                        table.add([t.memberID.description, t.name ?? "-", String(t.referred), String(t.rewarded), String(t.voided), String(t.points)])
                    }
                    print("")
                    print(table.render())
                }
            }
        }
    }

    struct Program: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set the reward programme (each set is a new version).",
            subcommands: [ProgramGet.self, ProgramSet.self])
    }

    struct ProgramGet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Print the programme in force as JSON.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await connection.withClient(client: CRMCtl.clientName) { client in
                    printJSON(try JSONValueEncoder().encode(try await client.call(RPC.Referral.ProgramGet.self)))
                }
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
                try await connection.withClient(client: CRMCtl.clientName) { client in
                    let saved = try await client.call(RPC.Referral.ProgramSet.self, .init(value: value))
                    print("referral programme version \(saved.version) in force")
                }
            }
        }
    }
}
