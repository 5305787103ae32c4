import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl ledger archive --month YYYY-MM`: `ledger.archive`.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Archive a month of the points ledger.",
        subcommands: [Archive.self]
    )

    struct Archive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Archive a month of the points ledger that is over: carry its sums forward and detach its partitions.",
            discussion: """
                Runs ledger.archive: in one transaction, keeps per member and kind (and per lot) what the month's entries \
                added up to, keeps the entries that points requests, referral rewards and campaign touches name, and \
                detaches points_entry_YYYY_MM and points_entry_lot_YYYY_MM; dump them, then drop them. Balances and lots \
                do not change; crmctl verify stays exact. Refused, changing nothing: this month or a later one, a month \
                archived already, a month whose orders are still in shop_order (archive them first). The members' \
                entry-by-entry history of the month is what is lost (docs/operations.md, "Partitions").
                """
        )
        @OptionGroup var options: CommonOptions
        @Option(help: "The month, YYYY-MM (UTC).") var month: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Ledger.Archive.self, .init(month: month))
                    if options.json { return try printJSON(r) }
                    printLabelled([
                        ("month", r.month), ("entries", String(r.entries)), ("lot changes", String(r.lotChanges)),
                        ("kept", String(r.kept)), ("detached", r.detached.joined(separator: ", ")),
                    ])
                    print("\ndump the detached tables (pg_dump -t \(r.detached.joined(separator: " -t "))), then drop them")
                }
            }
        }
    }
}
