import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl coupon rule add|list|disable`: the tiered coupon rules (滿額送券), versioned by name
/// like the points rules.
struct CouponRuleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rule",
        abstract: "Add, list and disable tiered coupon rules (滿額送券: orders of at least an amount get a coupon).",
        subcommands: [Add.self, List.self, Disable.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a tier rule, or a new version of the rule of that name (the old version retires).",
            discussion: """
                Each --tier is AMOUNT:TEMPLATE, an order amount in yuan and the template of the coupon it earns, e.g. \
                `add 滿額送 --tier 100.00:T3 --tier 150.00:T5`: every new paid order gets the coupon of the highest tier \
                its amount reaches, from each rule in force. --shop and --channel limit the rule to orders of those shops \
                or channels (repeat for several; none: any).
                """
        )
        @OptionGroup var options: CommonOptions
        @Argument(help: "Rule name (1-100 characters).") var name: String
        @Option(help: ArgumentHelp("A tier: order amount in yuan and template, e.g. 100.00:T3 (repeat).", valueName: "amount:template"))
        var tier: [String] = []
        @Option(help: "Only orders of this shop code (repeatable).") var shop: [String] = []
        @Option(help: "Only orders of this channel: mobile, web or group_buy (repeatable).") var channel: [String] = []

        func validate() throws {
            guard !tier.isEmpty else { throw ValidationError("give at least one --tier AMOUNT:TEMPLATE, e.g. --tier 100.00:T3") }
            _ = try tiers()
            if let bad = channel.first(where: { !["mobile", "web", "group_buy"].contains($0) }) {
                throw ValidationError("--channel must be mobile, web or group_buy, not \(bad)")
            }
        }

        /// The --tier values as the wire's tiers; the amount ends at the first colon (template names may hold one).
        func tiers() throws -> [RPC.CouponRules.Tier] {
            try tier.map { text in
                guard let colon = text.firstIndex(of: ":"), colon != text.startIndex, text.index(after: colon) != text.endIndex else {
                    throw ValidationError("--tier must be AMOUNT:TEMPLATE, e.g. 100.00:T3, not \(text)")
                }
                return .init(minAmount: String(text[..<colon]), template: String(text[text.index(after: colon)...]))
            }
        }

        func run() async throws {
            let sent = RPC.CouponRules.RuleAdd.Params(
                name: name, tiers: try tiers(), shops: shop.isEmpty ? nil : shop, channels: channel.isEmpty ? nil : channel)
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.CouponRules.RuleAdd.self, sent)
                    if options.json { return try printJSON(r) }
                    print("coupon rule \(r.rule.name) version \(r.rule.version) (id \(r.rule.id)) is in force: \(CouponRuleCommand.describe(r.rule))")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tier rules in force (with --all, also disabled and retired versions).")
        @OptionGroup var options: CommonOptions
        @Flag(help: "Include disabled rules and retired versions.") var all = false

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.CouponRules.RuleList.self, .init(includeDisabled: all))
                    if options.json { return try printJSON(r) }
                    guard !r.rules.isEmpty else { return print(all ? "no coupon rules" : "no coupon rules in force") }
                    var headers = ["name", "version", "id", "rule", "created", "by"]
                    if all { headers.append("disabled") }
                    var table = TextTable(headers: headers)
                    for rule in r.rules {
                        var row = [rule.name, String(rule.version), String(rule.id), CouponRuleCommand.describe(rule), rule.createdAt, rule.createdBy]
                        if all { row.append(rule.disabledAt ?? "-") }
                        table.add(row)
                    }
                    print(table.render())
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable the tier rule in force under a name (orders from now on no longer get its coupons).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Rule name.") var name: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.CouponRules.RuleDisable.self, .init(name: name))
                    if options.json { return try printJSON(r) }
                    print("disabled coupon rule \(r.rule.name); orders from now on no longer get its coupons")
                }
            }
        }
    }

    /// A tier rule in a few words: `¥100.00 → T3, ¥150.00 → T5; shop=sh01 channel=web`.
    static func describe(_ rule: RPC.CouponRules.Rule) -> String {
        var parts = [rule.tiers.map { "¥\($0.minAmount) → \($0.template)" }.joined(separator: ", ")]
        var terms: [String] = []
        if !rule.shops.isEmpty { terms.append("shop=" + rule.shops.joined(separator: ",")) }
        if !rule.channels.isEmpty { terms.append("channel=" + rule.channels.joined(separator: ",")) }
        if !terms.isEmpty { parts.append(terms.joined(separator: " ")) }
        return parts.joined(separator: "; ")
    }
}
