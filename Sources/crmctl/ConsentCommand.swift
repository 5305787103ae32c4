import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl consent`: members' marketing consent per channel (docs/notices.md).
struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent", abstract: "Marketing consent per member and channel (sms, wechat, email, app_push, phone).",
        subcommands: [Set.self, Get.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a member's answer for one channel, with where it came from.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: MemberID
        @Argument(help: "Channel: sms, wechat, email, app_push or phone.") var channel: String
        @Argument(help: "granted or refused.") var answer: String
        @Option(help: "Where the answer came from (wechat_form, store_paper, sms_reply...).") var source: String

        func validate() throws {
            guard ["granted", "refused"].contains(answer) else { throw ValidationError("the answer must be granted or refused, not \(answer)") }
        }

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(
                        RPC.Consent.Set.self, .init(memberID: memberID, channel: channel, granted: answer == "granted", source: source))
                    if options.json { return try printJSON(r) }
                    let what = "\(r.answer.channel) \(r.answer.granted ? "granted" : "refused") (\(r.answer.source), \(r.answer.at))"
                    print(r.changed ? "member \(r.memberID): \(what)" : "member \(r.memberID): \(what) already; nothing changed")
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a member's answers, and with --history how they came to be.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: MemberID
        @Flag(help: "Also list the latest changes (up to 100).") var history = false

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Consent.Get.self, .init(memberID: memberID, history: history ? true : nil))
                    if options.json { return try printJSON(r) }
                    printLabelled([("member", r.memberID.description), ("marketing", r.marketing.isEmpty ? "none" : r.marketing.joined(separator: ", "))])
                    var table = TextTable(headers: ["channel", "answer", "source", "at", "by"])
                    for a in r.channels { table.add([a.channel, a.granted ? "granted" : "refused", a.source, a.at, a.actor]) }
                    print("")
                    print(table.render())
                    guard let events = r.history, !events.isEmpty else { return }
                    var log = TextTable(headers: ["at", "channel", "change", "answer", "source", "by", "merge"])
                    for e in events {
                        log.add([e.at, e.channel, e.kind, e.granted ? "granted" : "refused", e.source, e.actor, e.mergeID.map(String.init) ?? "-"])
                    }
                    print("")
                    print(log.render())
                }
            }
        }
    }
}
