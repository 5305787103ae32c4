import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// `crmctl tag`: tag definitions, members' tags by hand, and tag rules on orders.
struct TagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag", abstract: "Define tags, tag members by hand, manage tag rules on orders.",
        subcommands: [Define.self, List.self, Add.self, Remove.self, Show.self, TagRuleCommand.self])

    struct Define: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tag, or change its group and description.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Tag name (1-64 characters).") var name: String
        @Option(help: "Group, such as 偏好, 職業, 促銷敏感度.") var group: String?
        @Option(help: "What the tag means.") var description: String?

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Tag.Define.self, .init(name: name, group: group, description: description))
                    if options.json { return try printJSON(r) }
                    print("tag \(r.tag.name) (group \(r.tag.group ?? "-")), \(r.tag.members) members")
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
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    var all: [RPC.Tag.Definition] = []
                    var cursor: String?
                    repeat {
                        let r = try await client.call(RPC.Tag.List.self, .init(group: group, cursor: cursor, limit: 1000))
                        all += r.tags
                        cursor = r.nextCursor
                    } while cursor != nil
                    if options.json { return try printJSON(all) }
                    var table = TextTable(headers: ["tag", "group", "members", "description"])
                    for t in all { table.add([t.name, t.group ?? "-", String(t.members), t.description ?? "-"]) }
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
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Tag.Add.self, .init(memberID: try CRMCommandLine.memberID(memberID), tag: tag))
                    if options.json { return try printJSON(r) }
                    print(r.added ? "member \(r.memberID) now carries \(tag)" : "member \(r.memberID) already carried \(tag) by hand")
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
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Tag.Remove.self, .init(memberID: try CRMCommandLine.memberID(memberID), tag: tag, source: source))
                    if options.json { return try printJSON(r) }
                    print("removed \(r.removed) source(s) of \(tag) from member \(r.memberID)")
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
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Tag.Get.self, .init(memberID: try CRMCommandLine.memberID(memberID)))
                    if options.json { return try printJSON(r) }
                    var table = TextTable(headers: ["tag", "group", "source", "from", "by", "at"])
                    for t in r.tags {
                        for s in t.sources {
                            let from = s.rule.map { "rule \($0)" } ?? s.segment.map { "segment \($0)" } ?? s.accountID.map { "account \($0)" } ?? "-"
                            table.add([t.name, t.group ?? "-", s.source, from, s.actor, s.at])
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
    static let configuration = CommandConfiguration(
        commandName: "rule", abstract: "Add, list, disable and back-fill tag rules on paid orders.",
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
            for (key, values) in [
                ("name_contains", nameContains), ("skus", sku), ("categories", category), ("channels", channel), ("shops", shop),
                ("address_contains", addressContains), ("address_groups", addressGroup),
            ] where !values.isEmpty {
                match[key] = .array(values.map(JSONValue.string))
            }
            if let minAmount { match["min_amount"] = .string(minAmount) }
            let params = RPC.Tag.RuleAdd.Params(name: name, tag: tag, match: .object(match))
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Tag.RuleAdd.self, params)
                    if options.json { return try printJSON(r) }
                    print(
                        "rule \(name) (id \(r.rule.id)) tags new matching orders' members with \(tag); run `crmctl tag rule backfill \(name)` for past orders")
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
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Tag.RuleList.self, .init(includeDisabled: all))
                    if options.json { return try printJSON(r) }
                    var table = TextTable(headers: ["id", "name", "tag", "match", "back-filled through order", "disabled"])
                    for x in r.rules {
                        table.add([String(x.id), x.name, x.tag, x.match.cellText, String(x.backfilledThrough), x.disabledAt ?? "-"])
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
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Tag.RuleDisable.self, .init(name: name))
                    if options.json { return try printJSON(r) }
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
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    var orders: Int64 = 0, tagged: Int64 = 0
                    let progress = LineProgress()
                    while true {
                        let r = try await client.call(RPC.Tag.RuleBackfill.self, .init(name: name, limit: batch))
                        orders += r.orders
                        tagged += r.tagged
                        progress.show(done: r.through, of: max(r.lastOrder, 1), text: "\(orders) orders, \(tagged) tags added")
                        if r.done { break }
                    }
                    progress.finish()
                    if options.json { return printJSON(.object(["orders": .int(orders), "tagged": .int(tagged)])) }
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
            FileHandleWriter.writeToStandardError(
                "\r[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
                    + "] \(Int(fraction * 100))%  \(text)  \(Int(elapsed))s   ")
        } else if Date().timeIntervalSince(lastLogged) >= 10 {
            lastLogged = Date()
            FileHandleWriter.writeToStandardError("\(Int(fraction * 100))%: \(text)\n")
        }
    }

    func finish() { if isTerminal { FileHandleWriter.writeToStandardError("\n") } }
}
