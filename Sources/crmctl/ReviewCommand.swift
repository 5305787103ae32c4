import ArgumentParser
import CRMCommandLine
import CRMProtocol

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "review", abstract: "Likely matches waiting for a decision, and identity guards that fired.",
                                                    subcommands: [List.self, Decide.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List review items (fuzzy matches) or, with --guards, the guards that fired.")
        @OptionGroup var options: CommonOptions
        @Flag(help: "Show guards that fired instead of matches.") var guards = false
        @Option(help: "open, merged, separated or obsolete.") var status = "open"

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let items = try await fetchAll(client, method: "review.list", key: "items",
                                                   params: ["type": guards ? "guard" : "match", "status": .string(status)])
                    if options.json { return printJSON(.array(items)) }
                    if guards {
                        var table = TextTable(headers: ["id", "guard", "key", "times", "last seen"])
                        for i in items {
                            let g = i["guard"]
                            table.add([i["id"]?.cellText ?? "", g?["guard"]?.cellText ?? "", "\(g?["kind"]?.cellText ?? ""):\(g?["value"]?.cellText ?? "")",
                                       g?["occurrences"]?.cellText ?? "", g?["last_seen_at"]?.cellText ?? ""])
                        }
                        return print(table.render())
                    }
                    var table = TextTable(headers: ["id", "members", "score", "name", "birthday", "address", "region", "note"])
                    for i in items {
                        let f = i["evidence"]?["fields"]
                        table.add([i["id"]?.cellText ?? "", (i["member_ids"]?.arrayValue ?? []).map(\.cellText).joined(separator: " + "),
                                   i["score"]?.doubleValue.map { Formats.rounded($0, decimals: 2) } ?? "", f?["name"]?.cellText ?? "-", f?["birthday"]?.cellText ?? "-",
                                   f?["address"]?.cellText ?? "-", f?["region"]?.cellText ?? "-", i["evidence"]?["held_back"]?.cellText ?? ""])
                    }
                    print(table.render())
                    if !items.isEmpty { print("\ndecide with: crmctl review decide ID merge|separate --reason \"…\"") }
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
            var params: JSONObject = ["id": .int(id), "decision": .string(decision)]
            if let reason { params["reason"] = .string(reason) }
            let request = params
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("review.decide", .object(request))
                    if options.json { return printJSON(r) }
                    print("review \(id): \(r["status"]?.cellText ?? "?")\(r["member_id"].map { ", member \($0.cellText)" } ?? "")")
                }
            }
        }
    }
}
