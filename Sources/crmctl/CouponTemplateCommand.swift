import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl coupon template add|list|disable`: the terms coupons are issued under.
struct CouponTemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "Add (or version), list and disable coupon templates.",
        subcommands: [Add.self, List.self, Disable.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a coupon template, or a new version of the one of that name (coupons already issued keep their terms).",
            discussion:
                "Examples: add 滿100減3 --amount 3.00 --min-spend 100.00 --valid-days 30 --budget 50000; add 內衣9折 --percent 10 --cap 50.00 --category lingerie"
        )
        @OptionGroup var options: CommonOptions
        @Argument(help: "Template name.") var name: String
        @Option(help: "Yuan off (e.g. 3.00).") var amount: String?
        @Option(help: "Percent off (e.g. 10 for 10 % off).") var percent: Int64?
        @Option(help: "Most a percent-off coupon takes off, yuan.") var cap: String?
        @Option(name: .customLong("min-spend"), help: "Spend the cart must reach, yuan.") var minSpend: String?
        @Option(name: .customLong("valid-days"), help: "Days usable from issue (1 = the day of issue; default 30).") var validDays: Int64?
        @Option(name: .customLong("valid-from"), help: "First day usable (YYYY-MM-DD), with --valid-until.") var validFrom: String?
        @Option(name: .customLong("valid-until"), help: "Last day usable (YYYY-MM-DD).") var validUntil: String?
        @Option(name: .customLong("per-member"), help: "Coupons of this template a member may be given in all (default 1).") var perMember: Int64?
        @Option(help: "Most coupons ever issued under the name.") var budget: Int64?
        @Option(name: .customLong("shop"), help: "A shop it may be used in (repeat; default any).") var shops: [String] = []
        @Option(name: .customLong("channel"), help: "A channel it may be used in: mobile, web, group_buy (repeat).") var channels: [String] = []
        @Option(name: .customLong("category"), help: "A category it covers (repeat).") var categories: [String] = []
        @Option(name: .customLong("sku"), help: "A SKU it covers (repeat).") var skus: [String] = []
        @Flag(help: "May be used together with other stackable coupons.") var stackable = false
        @Flag(name: .customLong("keep-on-refund"), help: "A refund of the whole order does not give the coupon back.") var keepOnRefund = false
        @Option(help: "What the member sees.") var title: String?
        @Option(name: .customLong("points-price"), help: "Points a member may spend for one.") var pointsPrice: Int64?

        func validate() throws {
            guard (amount == nil) != (percent == nil) else { throw ValidationError("give --amount or --percent") }
        }

        func run() async throws {
            let scope = RPC.Coupon.Scope(
                shops: shops.isEmpty ? nil : shops, channels: channels.isEmpty ? nil : channels, categories: categories.isEmpty ? nil : categories,
                skus: skus.isEmpty ? nil : skus)
            let params = RPC.Coupon.TemplateAdd.Params(
                name: name, kind: amount != nil ? "amount" : "percent", value: amount.map(JSONValue.string) ?? .int(percent ?? 0), cap: cap,
                minSpend: minSpend, scope: scope, validDays: validDays, validFrom: validFrom, validUntil: validUntil, perMemberLimit: perMember,
                budget: budget, stackable: stackable ? true : nil, releaseOnRefund: keepOnRefund ? false : nil, title: title, pointsPrice: pointsPrice)
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let t = try await client.call(RPC.Coupon.TemplateAdd.self, params).template
                    if options.json { return try printJSON(t) }
                    print("template \(t.name) version \(t.version): \(CouponTemplateCommand.termsText(t.terms))")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List templates in force (current versions), or every version of one.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "A template name: show all its versions.") var name: String?
        @Flag(name: .customLong("include-disabled"), help: "Show disabled templates too.") var includeDisabled = false

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Coupon.TemplateList.self, .init(name: name, includeDisabled: includeDisabled ? true : nil))
                    if options.json { return try printJSON(r) }
                    var table = TextTable(headers: ["template", "version", "terms", "issued", "budget", "disabled", "created"])
                    for t in r.templates {
                        table.add([
                            t.name, String(t.version), CouponTemplateCommand.termsText(t.terms), String(t.issued), t.budget.map(String.init) ?? "-",
                            t.disabledAt ?? "-", t.createdAt,
                        ])
                    }
                    print(table.render())
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop issuing a template; coupons already issued stay usable.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Template name.") var name: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let t = try await client.call(RPC.Coupon.TemplateDisable.self, .init(name: name)).template
                    if options.json { return try printJSON(t) }
                    print("template \(t.name) disabled at \(t.disabledAt ?? "?"); \(t.issued) coupons issued stay usable")
                }
            }
        }
    }

    /// A template's terms in a line: `¥3.00 off from ¥100.00, 30 days, 1 per member, shops sh01`.
    static func termsText(_ terms: JSONValue) -> String {
        var parts: [String] = []
        let value = terms["value"]?.cellText ?? "?"
        var off = terms["kind"] == "percent" ? "\(value) % off" : "¥\(value) off"
        if let cap = terms["cap"], !cap.isNull { off += " (at most ¥\(cap.cellText))" }
        if let min = terms["min_spend"]?.stringValue, min != "0.00" { off += " from ¥\(min)" }
        parts.append(off)
        if let days = terms["valid_days"], !days.isNull {
            parts.append("\(days.cellText) days")
        } else {
            parts.append("\(terms["valid_from"]?.cellText ?? "?") to \(terms["valid_until"]?.cellText ?? "?")")
        }
        parts.append("\(terms["per_member_limit"]?.cellText ?? "1") per member")
        for key in ["shops", "channels", "categories", "skus"] {
            if let list = terms["scope"]?[key]?.arrayValue, !list.isEmpty { parts.append("\(key) " + list.map(\.cellText).joined(separator: " ")) }
        }
        if terms["stackable"] == true { parts.append("stackable") }
        if terms["release_on_refund"] == false { parts.append("kept on refund") }
        if let price = terms["points_price"], !price.isNull { parts.append("\(price.cellText) points") }
        return parts.joined(separator: ", ")
    }
}
