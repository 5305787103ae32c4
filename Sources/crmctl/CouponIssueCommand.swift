import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl coupon issue TEMPLATE --member M | --segment NAME`: one coupon to a member, or the
/// template to a saved segment batch after batch with progress, resumable by its key.
struct CouponIssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a template to a member, or to every member of a saved segment (resumable with --key).",
        discussion: """
            A segment is issued in batches, each committed with the run's progress. If the command stops (interrupted, \
            connection lost, server restarted), run it again with the same --key: it goes on where it stopped and gives \
            nobody a second coupon. Without --key a new key is made and printed.
            """
    )
    @OptionGroup var options: CommonOptions
    @Argument(help: "Template name.") var template: String
    @Option(help: "Member id: one coupon to this member.") var member: String?
    @Option(help: "Saved segment: the template to each of its members.") var segment: String?
    @Option(help: "Idempotency key naming the run (resume with the same key).") var key: String?
    @Option(name: .customLong("batch"), help: "Members per batch (1-10000, default 1000).") var batch: Int = 1_000

    func validate() throws {
        guard (member == nil) != (segment == nil) else { throw ValidationError("give --member or --segment") }
        guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be 1...10000") }
    }

    func run() async throws {
        let runKey = key ?? "crmctl-" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
        if key == nil { print("run key: \(runKey) (run again with --key \(runKey) to resume)", to: .standardError) }
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: CRMCtl.clientName) { client in
                let params = RPC.Coupon.Issue.Params(
                    template: template, memberID: try member.map { try CRMCommandLine.memberID($0) }, segment: segment, idempotencyKey: runKey,
                    limit: segment == nil ? nil : batch)
                var r = try await client.call(RPC.Coupon.Issue.self, params)
                while !r.done && !StopSignal.isRequested {
                    print("\(r.members)/\(r.total) members, \(r.issued) issued, \(r.skipped) skipped", to: .standardError)
                    r = try await client.call(RPC.Coupon.Issue.self, params)
                }
                if options.json { return try printJSON(r) }
                if let codes = r.codes, let member = r.memberID {
                    print("issued \(codes.joined(separator: ", ")) to member \(member)\(r.replayed ? " (replayed)" : "")")
                } else {
                    print(
                        "run \(r.runID): \(r.members)/\(r.total) members, \(r.issued) issued, \(r.skipped) skipped\(r.done ? "" : "; stopped, resume with --key \(runKey)")"
                    )
                }
            }
        }
    }
}
