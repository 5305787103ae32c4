import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

extension MemberCommand {
    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a member's personal data for good (admins; audited).",
            discussion: """
                The member's data keys are destroyed and its personal fields, lookup keys and consent deleted; its accounts are \
                detached, so the same person pushed again becomes a new member. Orders, points, coupons and levels stay with the \
                member, now without a name. It cannot be undone: --yes is required.
                """)
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: MemberID
        @Option(help: "Why (kept in the audit log).") var reason: String
        @Flag(help: "Confirm: erasure cannot be undone.") var yes = false

        func validate() throws {
            guard yes else { throw ValidationError("erasing member \(memberID) cannot be undone; add --yes to go ahead") }
        }

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.MemberPrivacy.Erase.self, .init(memberID: memberID, reason: reason))
                    if options.json { return printJSON(try JSONValueEncoder().encode(r)) }
                    print("member \(r.memberID) erased")
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Everything held about a member, as one JSON document (audited).",
            discussion: "With --output the file is created with mode 0600 and appears (atomically) only when complete.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: MemberID
        @Option(help: "Write the document to this file instead of standard output.") var output: String?

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let document = try await client.call(RPC.MemberPrivacy.Export.self, .init(memberID: memberID))
                    let text = JSONPrettyPrinter.print(try JSONValueEncoder().encode(document))
                    guard let output else { return print(text, terminator: "") }
                    // Mode 0600: the member's personal data.
                    let file = try AtomicFile(output, temporaryPath: output + ".partial")
                    try file.write(text)
                    try file.commit()
                    print("member \(document.memberID) exported to \(output)")
                }
            }
        }
    }
}
