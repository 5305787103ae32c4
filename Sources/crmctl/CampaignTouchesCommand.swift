import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl campaign touches NAME [--occasion N] [--status S] [--out FILE]`: the touch list as a
/// table, or every page into a CSV file (mode 0600: personal data; masked for analysts by the server).
struct CampaignTouchesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "touches",
        abstract: "A campaign's touch list: who was touched or held out in each wave, with what; --out writes every page to CSV.",
        discussion: "The CSV file (mode 0600) appears atomically when complete; an analyst's copy has names, phones and e-mails masked."
    )
    @OptionGroup var options: CommonOptions
    @Argument(help: "Campaign name.") var name: String
    @Option(help: "Only this wave.") var occasion: Int64?
    @Option(help: "Only touches of this status: touched, held_out, no_consent, budget, refused.") var status: String?
    @Option(help: "Write every page to this CSV file.") var out: String?

    static let columns = ["occasion", "member_id", "arm", "status", "at", "coupon", "notice_id", "name", "phone", "email"]

    static func row(_ t: RPC.Campaign.Touch) -> [String] {
        [
            String(t.occasion), t.memberID.description, t.arm, t.status, t.at, t.coupon ?? "", t.noticeID.map(String.init) ?? "", t.name ?? "",
            t.phone ?? "", t.email ?? "",
        ]
    }

    func run() async throws {
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: CRMCtl.clientName) { client in
                guard let out else {
                    let page = try await client.call(RPC.Campaign.Touches.self, .init(name: name, occasion: occasion, status: status, limit: pageSize))
                    if options.json { return try printJSON(page) }
                    var table = TextTable(headers: Self.columns)
                    for t in page.touches { table.add(Self.row(t)) }
                    print(table.render())
                    if page.nextCursor != nil { print("(more: --out FILE writes every page)") }
                    return
                }
                let file = try AtomicFile(out, temporaryPath: out + ".partial")
                try file.write(CSV.row(Self.columns))
                var written = 0
                var cursor: String?
                repeat {
                    let page = try await client.call(
                        RPC.Campaign.Touches.self, .init(name: name, occasion: occasion, status: status, cursor: cursor, limit: 5_000))
                    try file.write(page.touches.map { CSV.row(Self.row($0)) }.joined())
                    written += page.touches.count
                    cursor = page.nextCursor
                } while cursor != nil
                try file.commit()
                if options.json { return printJSON(.object(["rows": .int(Int64(written)), "file": .string(out)])) }
                print("wrote \(written) touches to \(out)")
            }
        }
    }
}
