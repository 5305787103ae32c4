import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl audit`: who read whose unmasked personal data (the access audit, admin only).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Who read members' unmasked personal data, newest first (admin).")
    @OptionGroup var options: CommonOptions
    @Option(help: "Only reads that showed this member.") var member: MemberID?
    // Not `--token`: that is the access token crmctl logs in with (CommonOptions).
    @Option(name: .customLong("by"), help: ArgumentHelp("Only reads by tokens of this name.", valueName: "token-name")) var by: String?
    @Option(help: "Show at most this many reads (1-100000).") var limit = 100

    /// Member ids shown in the table's cell at most; `--json` has them all.
    static let membersShown = 5

    func validate() throws {
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 100000") }
    }

    func run() async throws {
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: CRMCtl.clientName) { client in
                var entries: [RPC.Audit.Entry] = []
                var cursor: String? = nil
                repeat {
                    let page = try await client.call(
                        RPC.Audit.List.self, .init(memberID: member, token: by, cursor: cursor, limit: min(pageSize, limit - entries.count)))
                    entries += page.entries
                    cursor = page.nextCursor
                } while cursor != nil && entries.count < limit
                if options.json { return printJSON(try JSONValueEncoder().encode(entries)) }
                var table = TextTable(headers: ["at", "token", "method", "fields", "members"])
                for e in entries {
                    table.add([e.at, Self.who(e), e.method, e.fields.joined(separator: ","), Self.members(e)])
                }
                print(table.render())
                if cursor != nil { print("(more: raise --limit)") }
            }
        }
    }

    static func who(_ e: RPC.Audit.Entry) -> String {
        guard let id = e.tokenID else { return "-" }
        return "\(e.tokenName ?? "?") (\(id))"
    }

    /// The count, and the first few ids.
    static func members(_ e: RPC.Audit.Entry) -> String {
        let ids = e.memberIDs.prefix(membersShown).map(\.description).joined(separator: " ")
        if e.memberCount == 0 { return "-" }
        return e.memberCount > Int64(membersShown) ? "\(e.memberCount): \(ids) …" : ids
    }
}
