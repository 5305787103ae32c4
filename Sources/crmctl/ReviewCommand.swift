import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review", abstract: "Likely matches waiting for a decision, and identity guards that fired.",
        subcommands: [List.self, Show.self, Decide.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List review items (fuzzy matches) or, with --guards, the guards that fired.")
        @OptionGroup var options: CommonOptions
        @Flag(help: "Show guards that fired instead of matches.") var guards = false
        @Option(help: "open, merged, separated or obsolete.") var status = "open"

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let items = try await allPages { cursor in
                        let page = try await client.call(
                            RPC.Review.List.self, .init(type: guards ? "guard" : "match", status: status, cursor: cursor, limit: 500))
                        return (page.items, page.nextCursor)
                    }
                    if options.json { return printJSON(try JSONValueEncoder().encode(items)) }
                    if guards {
                        var table = TextTable(headers: ["id", "guard", "key", "times", "last seen"])
                        for i in items {
                            let g = i.guard
                            table.add([
                                String(i.id), g?["guard"]?.cellText ?? "", "\(g?["kind"]?.cellText ?? ""):\(g?["value"]?.cellText ?? "")",
                                g?["occurrences"]?.cellText ?? "", g?["last_seen_at"]?.cellText ?? "",
                            ])
                        }
                        return print(table.render())
                    }
                    var table = TextTable(headers: ["id", "members", "probability", "name", "birthday", "address", "region", "phone", "note"])
                    for i in items {
                        // Each field's comparison level (a number for items queued before match models).
                        let f = i.evidence?["fields"]
                        func level(_ field: String) -> String { f?[field].map { $0["level"]?.cellText ?? $0.cellText } ?? "-" }
                        table.add(
                            [String(i.id), (i.memberIDs ?? []).map(\.description).joined(separator: " + "), i.score.map(ReviewWaterfallText.probability) ?? ""]
                                + ["name", "birthday", "address", "region", "phone"].map(level) + [i.evidence?["held_back"]?.cellText ?? ""])
                    }
                    print(table.render())
                    if !items.isEmpty {
                        print("\nwhy: crmctl review show ID")
                        print("decide with: crmctl review decide ID merge|separate --reason \"…\"")
                    }
                }
            }
        }
    }

    struct Decide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Merge the two members of a review item, or mark them as separate people.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Review item id.") var id: Int64
        @Argument(help: "merge or separate.") var decision: String
        @Option(help: "Why (kept in the audit).") var reason: String?

        func run() async throws {
            guard ["merge", "separate"].contains(decision) else { throw ValidationError("decision must be merge or separate") }
            let request = RPC.Review.Decide.Params(id: id, decision: decision, reason: reason)
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Review.Decide.self, request)
                    if options.json { return printJSON(try JSONValueEncoder().encode(r)) }
                    print("review \(id): \(r.status)\(r.memberID.map { ", member \($0)" } ?? "")")
                }
            }
        }
    }
}
