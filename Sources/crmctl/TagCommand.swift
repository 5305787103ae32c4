import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// `crmctl tag`: tag definitions, members' tags by hand, and tag rules on orders.
struct TagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Define tags, tag members by hand, manage tag rules on orders.",
                                                    subcommands: [Define.self, List.self, Add.self, Remove.self, Show.self, TagRuleCommand.self])

    struct Define: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tag, or change its group and description.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Tag name (1-64 characters).") var name: String
        @Option(help: "Group, such as 偏好, 職業, 促銷敏感度.") var group: String?
        @Option(help: "What the tag means.") var description: String?

        func run() async throws {
            var params: JSONObject = ["name": .string(name)]
            if let group { params["group"] = .string(group) }
            if let description { params["description"] = .string(description) }
            let sent = params
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("tag.define", .object(sent))
                    if options.json { return printJSON(r) }
                    print("tag \(r["tag"]?["name"]?.cellText ?? name) (group \(r["tag"]?["group"]?.cellText ?? "-")), \(r["tag"]?["members"]?.cellText ?? "0") members")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tags with how many members carry each.")
        @OptionGroup var options: CommonOptions
        @Option(help: "Only this group.") var group: String?

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    var all: [JSONValue] = []
                    var cursor: JSONValue = .null
                    repeat {
                        var params: JSONObject = ["limit": 1000]
                        if let group { params["group"] = .string(group) }
                        if cursor != .null { params["cursor"] = cursor }
                        let r = try await client.call("tag.list", .object(params))
                        all += r["tags"]?.arrayValue ?? []
                        cursor = r["next_cursor"] ?? .null
                    } while cursor != .null
                    if options.json { return printJSON(.array(all)) }
                    var table = TextTable(headers: ["tag", "group", "members", "description"])
                    for t in all { table.add([t["name"]?.cellText ?? "", t["group"]?.cellText ?? "-", t["members"]?.cellText ?? "0", t["description"]?.cellText ?? "-"]) }
                    print(table.render())
                }
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a defined tag on a member by hand.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String
        @Argument(help: "Tag name.") var tag: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("tag.add", ["member_id": .string(memberID), "tag": .string(tag)])
                    if options.json { return printJSON(r) }
                    print(r["added"]?.boolValue == true ? "member \(r["member_id"]?.cellText ?? memberID) now carries \(tag)"
                                                         : "member \(r["member_id"]?.cellText ?? memberID) already carried \(tag) by hand")
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a tag off a member (every source of it, or only --source).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String
        @Argument(help: "Tag name.") var tag: String
        @Option(help: "Only this source: manual, attribute, segment or rule.") var source: String?

        func run() async throws {
            var params: JSONObject = ["member_id": .string(memberID), "tag": .string(tag)]
            if let source { params["source"] = .string(source) }
            let sent = params
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("tag.remove", .object(sent))
                    if options.json { return printJSON(r) }
                    print("removed \(r["removed"]?.cellText ?? "0") source(s) of \(tag) from member \(r["member_id"]?.cellText ?? memberID)")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a member's tags and where each came from.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("tag.get", ["member_id": .string(memberID)])
                    if options.json { return printJSON(r) }
                    var table = TextTable(headers: ["tag", "group", "source", "from", "by", "at"])
                    for t in r["tags"]?.arrayValue ?? [] {
                        for s in t["sources"]?.arrayValue ?? [] {
                            let from = s["rule"].map { "rule \($0.cellText)" } ?? s["segment"].map { "segment \($0.cellText)" }
                                ?? s["account_id"].map { "account \($0.cellText)" } ?? "-"
                            table.add([t["name"]?.cellText ?? "", t["group"]?.cellText ?? "-", s["source"]?.cellText ?? "", from,
                                       s["actor"]?.cellText ?? "", s["at"]?.cellText ?? ""])
                        }
                    }
                    print(table.render())
                }
            }
        }
    }
}

/// `crmctl tag rule`: rules that tag the members of matching paid orders.
struct TagRuleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rule", abstract: "Add, list, disable and back-fill tag rules on paid orders.",
                                                    subcommands: [Add.self, List.self, Disable.self, Backfill.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a rule: every new paid order matching it tags its member.",
            discussion: """
                Every option given must hold; repeat an option for several values (any of them). --name-contains, --sku and \
                --category match one and the same item. --address-group is white_collar, finance or students; a same-city \
                group is --address-contains CITY. Past orders are tagged by `crmctl tag rule backfill NAME`.
                """
        )
        @OptionGroup var options: CommonOptions
        @Argument(help: "Rule name.") var name: String
        @Option(help: "The tag to put on (define it first).") var tag: String
        @Option(name: .customLong("name-contains"), help: "An item's name contains this (repeatable).") var nameContains: [String] = []
        @Option(help: "An item's SKU (repeatable).") var sku: [String] = []
        @Option(help: "An item's category (repeatable).") var category: [String] = []
        @Option(name: .customLong("min-amount"), help: ArgumentHelp("The order's amount at least this many yuan.", valueName: "yuan")) var minAmount: String?
        @Option(help: "The order's channel (repeatable).") var channel: [String] = []
        @Option(help: "The order's shop code (repeatable).") var shop: [String] = []
        @Option(name: .customLong("address-contains"), help: "The member's address contains this (repeatable).") var addressContains: [String] = []
        @Option(name: .customLong("address-group"), help: "white_collar, finance or students (repeatable).") var addressGroup: [String] = []

        func run() async throws {
            var match: JSONObject = [:]
            for (key, values) in [("name_contains", nameContains), ("skus", sku), ("categories", category), ("channels", channel), ("shops", shop),
                                  ("address_contains", addressContains), ("address_groups", addressGroup)] where !values.isEmpty {
                match[key] = .array(values.map(JSONValue.string))
            }
            if let minAmount { match["min_amount"] = .string(minAmount) }
            let params: JSONValue = ["name": .string(name), "tag": .string(tag), "match": .object(match)]
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("tag.rule.add", params)
                    if options.json { return printJSON(r) }
                    print("rule \(name) (id \(r["rule"]?["id"]?.cellText ?? "?")) tags new matching orders' members with \(tag); run `crmctl tag rule backfill \(name)` for past orders")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tag rules.")
        @OptionGroup var options: CommonOptions
        @Flag(help: "Include disabled rules.") var all = false

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("tag.rule.list", ["include_disabled": .bool(all)])
                    if options.json { return printJSON(r) }
                    var table = TextTable(headers: ["id", "name", "tag", "match", "back-filled through order", "disabled"])
                    for x in r["rules"]?.arrayValue ?? [] {
                        table.add([x["id"]?.cellText ?? "", x["name"]?.cellText ?? "", x["tag"]?.cellText ?? "", x["match"]?.cellText ?? "",
                                   x["backfilled_through"]?.cellText ?? "0", x["disabled_at"]?.cellText ?? "-"])
                    }
                    print(table.render())
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a tag rule (tags it gave stay).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Rule name.") var name: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    let r = try await client.call("tag.rule.disable", ["name": .string(name)])
                    if options.json { return printJSON(r) }
                    print("rule \(name) disabled")
                }
            }
        }
    }

    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a rule to past orders, batch by batch, with progress.",
            discussion: "Each batch commits with its progress: interrupt it at any time and run it again to continue.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Rule name.") var name: String
        @Option(help: "Orders per batch (1-100000).") var batch: Int = 10_000

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: "crmctl/0.1") { client in
                    var orders: Int64 = 0, tagged: Int64 = 0
                    let progress = LineProgress()
                    while true {
                        let r = try await client.call("tag.rule.backfill", ["name": .string(name), "limit": .int(Int64(batch))])
                        orders += r["orders"]?.int64Value ?? 0
                        tagged += r["tagged"]?.int64Value ?? 0
                        let through = r["through"]?.int64Value ?? 0, last = max(r["last_order"]?.int64Value ?? 0, 1)
                        progress.show(done: through, of: last, text: "\(orders) orders, \(tagged) tags added")
                        if r["done"]?.boolValue == true { break }
                    }
                    progress.finish()
                    if options.json { return printJSON(["orders": .int(orders), "tagged": .int(tagged)]) }
                    print("rule \(name): \(orders) orders matched, \(tagged) tags added")
                }
            }
        }
    }
}

/// A progress bar on standard error: redrawn in place on a terminal, a line every 10 s otherwise.
final class LineProgress {
    private let isTerminal = isatty(2) == 1
    private var lastLogged = Date.distantPast
    private let started = Date()

    func show(done: Int64, of total: Int64, text: String) {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let elapsed = Date().timeIntervalSince(started)
        if isTerminal {
            let width = 30, filled = Int(fraction * Double(width))
            FileHandleWriter.writeToStandardError("\r[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
                                                  + "] \(Int(fraction * 100))%  \(text)  \(Int(elapsed))s   ")
        } else if Date().timeIntervalSince(lastLogged) >= 10 {
            lastLogged = Date()
            FileHandleWriter.writeToStandardError("\(Int(fraction * 100))%: \(text)\n")
        }
    }

    func finish() { if isTerminal { FileHandleWriter.writeToStandardError("\n") } }
}
