import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl coupon …`: templates, issuing (to a member or a saved segment), a member's coupons,
/// one coupon, redemption at a till, voiding, and the figures (核銷率).
struct CouponCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coupon",
        abstract: "Coupon templates, issuing, a member's coupons, redeeming, voiding, the redemption figures, tier rules and points exchanges.",
        subcommands: [
            CouponTemplateCommand.self, CouponIssueCommand.self, List.self, Show.self, Redeem.self, VoidCode.self, CouponStatsCommand.self,
            CouponRuleCommand.self, CouponExchangeCommand.self,
        ]
    )

    static func heldRow(_ c: RPC.Coupon.Held) -> [String] {
        let value = c.kind == "percent" ? "\(c.value.cellText) %" : "¥\(c.value.cellText)"
        return [c.code, "\(c.template) v\(c.version)", value, c.status, c.expiresAt, c.shop ?? "-", c.discount ?? "-", c.source]
    }

    static let heldHeaders = ["code", "template", "value", "status", "expires", "shop", "discount", "source"]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A member's coupons, newest first.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: String
        @Option(help: "Only coupons of this status: usable, redeemed, expired, voided.") var status: String?
        @Flag(help: "Read every page.") var all = false

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let member = try CRMCommandLine.memberID(memberID)
                    var coupons: [RPC.Coupon.Held] = []
                    var cursor: String?
                    repeat {
                        let page = try await client.call(RPC.Coupon.List.self, .init(memberID: member, status: status, cursor: cursor, limit: pageSize))
                        coupons += page.coupons
                        cursor = page.nextCursor
                    } while all && cursor != nil
                    if options.json { return try printJSON(RPC.Coupon.List.Result(memberID: member, coupons: coupons, nextCursor: cursor)) }
                    var table = TextTable(headers: CouponCommand.heldHeaders)
                    for c in coupons { table.add(CouponCommand.heldRow(c)) }
                    print(table.render())
                    if cursor != nil { print("(more: --all)") }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One coupon by its code, with its life.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Coupon code.") var code: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Coupon.Get.self, .init(code: code))
                    if options.json { return try printJSON(r) }
                    let c = r.coupon
                    printLabelled([
                        ("code", c.code), ("template", "\(c.template) v\(c.version)\(c.title.map { " (\($0))" } ?? "")"),
                        ("value", c.kind == "percent" ? "\(c.value.cellText) % off" : "¥\(c.value.cellText) off"), ("min spend", c.minSpend),
                        ("status", c.status), ("member", c.memberID.description), ("issued to", r.originMemberID.description),
                        ("source", c.source + (c.sourceRef.map { " \($0)" } ?? "")), ("valid", "\(c.validFrom) to \(c.expiresAt)"),
                        ("redeemed", c.redeemedAt.map { "\($0) at \(c.shop ?? "?") order \(c.orderNo ?? "-"), ¥\(c.discount ?? "?") off" } ?? "-"),
                    ])
                    var table = TextTable(headers: ["at", "event", "member", "by", "detail"])
                    for e in r.events { table.add([e.at, e.kind, e.memberID.description, e.actor, e.detail?.cellText ?? "-"]) }
                    print("")
                    print(table.render())
                }
            }
        }
    }

    struct Redeem: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Redeem a coupon on a cart (as a till does), once per idempotency key.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Coupon code.") var code: String
        @Option(help: "Shop code.") var shop: String
        @Option(help: "What the till charges before coupons, yuan.") var amount: String
        @Option(help: "Channel: mobile, web, group_buy.") var channel: String?
        @Option(name: .customLong("order-no"), help: "The order number.") var orderNo: String?
        @Option(name: .customLong("member"), help: "The member buying (refuses another member's coupon).") var member: String?
        @Option(help: "Idempotency key (a retry with the same key never redeems twice).") var key: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let params = RPC.Coupon.Redeem.Params(
                        code: code, shop: shop, amount: amount, channel: channel, orderNo: orderNo,
                        memberID: try member.map { try CRMCommandLine.memberID($0) },
                        idempotencyKey: key)
                    let r = try await client.call(RPC.Coupon.Redeem.self, params)
                    if options.json { return try printJSON(r) }
                    print(
                        "coupon \(r.code) (\(r.template)) redeemed at \(r.shop): ¥\(r.discount) off\(r.replayed ? " (replayed: already redeemed with this key)" : "")"
                    )
                }
            }
        }
    }

    struct VoidCode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "void", abstract: "Void a usable coupon (issued by mistake, …).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Coupon code.") var code: String
        @Option(help: "Why.") var reason: String

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Coupon.VoidCoupon.self, .init(code: code, reason: reason))
                    if options.json { return try printJSON(r) }
                    print("coupon \(r.code) voided")
                }
            }
        }
    }
}
