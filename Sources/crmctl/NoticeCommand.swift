import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// `crmctl notice`: the member notices a messaging gateway takes (docs/notices.md).
struct NoticeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notice", abstract: "Member notices: watch the outbox a messaging gateway pulls.", subcommands: [Tail.self])

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the notices after this reader's position (the token's name), one a line.",
            discussion: """
                Without --ack nothing moves: the notices stay for the gateway that reads under this token's name (use a \
                token of another name to watch beside it). With --ack each page printed is acknowledged, as a gateway \
                would. --follow keeps waiting for new notices until SIGINT or SIGTERM, then ends after the page in hand \
                (exit 0). --json prints each notice as one JSON line.
                """)
        @OptionGroup var options: CommonOptions
        @Flag(help: "Keep waiting for new notices.") var follow = false
        @Flag(help: "Acknowledge every page once printed.") var ack = false
        @Option(help: ArgumentHelp("Start after this id instead of the reader's position.", valueName: "id")) var after: Int64?
        @Option(help: ArgumentHelp("Notices a page (1-1000).", valueName: "n")) var limit = 100
        @Option(help: ArgumentHelp("Seconds between polls when there is nothing new (with --follow).", valueName: "seconds")) var interval = 2.0

        func validate() throws {
            guard (1...RPC.Notice.maxPull).contains(limit) else { throw ValidationError("--limit must be 1-\(RPC.Notice.maxPull)") }
            if let after, after < 0 { throw ValidationError("--after must be 0 or more") }
            guard interval > 0, interval <= 3_600 else { throw ValidationError("--interval must be more than 0 and at most 3600 seconds") }
        }

        func run() async throws {
            try await StopSignal.handling {
                try await runClientCommand("crmctl") {
                    try await options.connection.withClient(client: CRMCtl.clientName) { client in try await tail(client) }
                }
            }
        }

        /// Pages on from the position (or --after) by the last id seen, so without --ack it still moves forward.
        private func tail(_ client: RPCClient) async throws {
            var position = after
            while !StopSignal.isRequested {
                let page = try await client.call(RPC.Notice.Pull.self, .init(after: position, limit: limit))
                // Written straight out, not through stdio's buffer: a pipe sees each page as it comes.
                let text = page.notices.map { (options.json ? JSONSerializer.serialize($0.wire) : Self.line($0)) + "\n" }.joined()
                if !text.isEmpty { FileHandle.standardOutput.write(Data(text.utf8)) }
                if let last = page.notices.last?.id {
                    position = last
                    if ack { _ = try await client.call(RPC.Notice.Ack.self, .init(through: last)) }
                } else {
                    position = position ?? page.acknowledged
                }
                if page.notices.count == limit { continue }
                guard follow else { return }
                // A stop request ends the wait at once.
                try? await StopSignal.sleep(for: .milliseconds(Int64(interval * 1_000)))
            }
        }

        /// `#41 2026-11-27T01:00:00.000Z member 1001 points_expiring service sms,wechat,… {"points":170,…}`.
        static func line(_ n: RPC.Notice.Item) -> String {
            let channels = n.channels.isEmpty ? "(no channel)" : n.channels.joined(separator: ",")
            return "#\(n.id) \(n.at) member \(n.memberID) \(n.kind) \(n.marketing ? "marketing" : "service") \(channels) "
                + JSONSerializer.serialize(.object(n.body))
        }
    }
}
