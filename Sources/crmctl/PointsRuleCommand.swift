import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl points rule`: the accrual rules (double points, bonuses), versioned by name.
struct PointsRuleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rule", abstract: "Add, list and disable accrual rules (campaigns: double points, fixed bonuses).",
        subcommands: [Add.self, List.self, Disable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a rule, or a new version of the rule of that name (the old version retires).",
            discussion: """
                A rule either multiplies the base points of what it matches (--multiplier 200 = double points) or adds \
                a fixed --bonus per matching order. --sku and --category match items (the rule applies to their part of \
                the order); --channel, --shop and --payment-method match the order. Repeat a match option for several \
                values. --from/--until bound the rule in time (RFC 3339 with an offset, e.g. 2026-11-11T00:00:00+08:00). \
                Caps limit the extra points the rule gives.
                """
        )
        @OptionGroup var options: CommonOptions
        @Argument(help: "Rule name (1-100 characters); entries name the version they used.") var name: String
        @Option(help: ArgumentHelp("Multiply base points by this percentage (200 = double points).", valueName: "percent")) var multiplier: Int64?
        @Option(help: ArgumentHelp("Add this many points per matching order.", valueName: "points")) var bonus: Int64?
        @Option(help: "Match items with this SKU (repeatable).") var sku: [String] = []
        @Option(help: "Match items of this category (repeatable).") var category: [String] = []
        @Option(help: "Match orders of this channel: mobile, web or group_buy (repeatable).") var channel: [String] = []
        @Option(help: "Match orders of this shop code (repeatable).") var shop: [String] = []
        @Option(name: .customLong("payment-method"), help: "Match orders paid this way (repeatable).") var paymentMethod: [String] = []
        @Option(help: ArgumentHelp("The rule applies from this time on (RFC 3339).", valueName: "time")) var from: String?
        @Option(help: ArgumentHelp("The rule applies until this time (RFC 3339).", valueName: "time")) var until: String?
        @Option(name: .customLong("cap-per-order"), help: ArgumentHelp("Most extra points the rule gives one order.", valueName: "points")) var capPerOrder:
            Int64?
        @Option(name: .customLong("cap-per-member-per-day"), help: ArgumentHelp("Most extra points the rule gives one member in a day.", valueName: "points"))
        var capPerMemberPerDay: Int64?

        func validate() throws {
            guard (multiplier == nil) != (bonus == nil) else { throw ValidationError("give exactly one of --multiplier PERCENT and --bonus POINTS") }
            if let multiplier, multiplier <= 0 { throw ValidationError("--multiplier must be a positive percentage (200 = double points)") }
            if let bonus, bonus <= 0 { throw ValidationError("--bonus must be positive") }
            if let bad = channel.first(where: { !["mobile", "web", "group_buy"].contains($0) }) {
                throw ValidationError("--channel must be mobile, web or group_buy, not \(bad)")
            }
            for (flag, value) in [("--from", from), ("--until", until)] {
                if let value, !Formats.isTimestamp(value) { throw ValidationError("\(flag) must be RFC 3339 with an offset, e.g. 2026-11-11T00:00:00+08:00") }
            }
            for (flag, value) in [("--cap-per-order", capPerOrder), ("--cap-per-member-per-day", capPerMemberPerDay)] {
                if let value, value <= 0 { throw ValidationError("\(flag) must be positive") }
            }
        }

        func run() async throws {
            var match: JSONObject = [:]
            if !sku.isEmpty { match["skus"] = .array(sku.map(JSONValue.string)) }
            if !category.isEmpty { match["categories"] = .array(category.map(JSONValue.string)) }
            if !channel.isEmpty { match["channels"] = .array(channel.map(JSONValue.string)) }
            if !shop.isEmpty { match["shops"] = .array(shop.map(JSONValue.string)) }
            if !paymentMethod.isEmpty { match["payment_methods"] = .array(paymentMethod.map(JSONValue.string)) }
            if let from { match["from"] = .string(from) }
            if let until { match["until"] = .string(until) }
            let sent = RPC.Points.RuleAdd.Params(
                name: name, multiplierPercent: multiplier.map(JSONValue.int), bonus: bonus.map(JSONValue.int),
                match: match.count > 0 ? .object(match) : nil, capPerOrder: capPerOrder.map(JSONValue.int),
                capPerMemberPerDay: capPerMemberPerDay.map(JSONValue.int))
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Points.RuleAdd.self, sent)
                    if options.json { return try printJSON(r) }
                    print("rule \(r.rule.name) version \(r.rule.version) (id \(r.rule.id)) is in force: \(Self.describe(r.rule.definition))")
                }
            }
        }

        /// A rule's definition in a few words: `200% points; sku=A,B channel=mobile; 2026-11-11… → …; cap 500/order`.
        static func describe(_ definition: JSONValue?) -> String {
            guard let d = definition, !d.isNull else { return "-" }
            var parts: [String] = []
            if let m = d["multiplier_percent"], !m.isNull { parts.append("\(m.cellText)% points") }
            if let b = d["bonus"], !b.isNull { parts.append("+\(b.cellText) per order") }
            if let match = d["match"]?.objectValue {
                var terms: [String] = []
                for (key, label) in [("skus", "sku"), ("categories", "category"), ("channels", "channel"), ("shops", "shop"), ("payment_methods", "payment")] {
                    if let values = match[key]?.arrayValue, !values.isEmpty { terms.append("\(label)=" + values.map(\.cellText).joined(separator: ",")) }
                }
                if !terms.isEmpty { parts.append(terms.joined(separator: " ")) }
                let from = match["from"].flatMap { $0.isNull ? nil : $0.cellText }
                let until = match["until"].flatMap { $0.isNull ? nil : $0.cellText }
                if from != nil || until != nil { parts.append("\(from ?? "…") → \(until ?? "…")") }
            }
            if let cap = d["cap_per_order"], !cap.isNull { parts.append("cap \(cap.cellText)/order") }
            if let cap = d["cap_per_member_per_day"], !cap.isNull { parts.append("cap \(cap.cellText)/member/day") }
            return parts.isEmpty ? JSONSerializer.serialize(d) : parts.joined(separator: "; ")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the rules in force (with --all, also disabled and retired versions).")
        @OptionGroup var options: CommonOptions
        @Flag(help: "Include disabled rules and retired versions.") var all = false

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Points.RuleList.self, .init(includeDisabled: all))
                    if options.json { return try printJSON(r) }
                    let rules = r.rules
                    guard !rules.isEmpty else { return print(all ? "no rules" : "no rules in force") }
                    var headers = ["name", "version", "id", "rule", "created", "by"]
                    if all { headers.append("disabled") }
                    var table = TextTable(headers: headers)
                    for rule in rules {
                        var row = [rule.name, String(rule.version), String(rule.id), Add.describe(rule.definition), rule.createdAt, rule.createdBy]
                        if all { row.append(rule.disabledAt ?? "-") }
                        table.add(row)
                    }
                    print(table.render())
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable the rule in force under a name (orders from now on no longer get it).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Rule name.") var name: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Points.RuleDisable.self, .init(name: name))
                    if options.json { return try printJSON(r) }
                    print("disabled rule \(r.rule.name); orders from now on no longer get it")
                }
            }
        }
    }
}
