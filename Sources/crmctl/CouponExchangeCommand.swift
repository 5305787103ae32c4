import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl coupon exchange MEMBER TEMPLATE [--key K]`: a member's points for a coupon of a
/// template sold for points (積分兌換現金券), once per key.
struct CouponExchangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange",
        abstract: "Spend a member's points on a coupon of a template with a points price (once per --key).",
        discussion: """
            The template's points price is spent and the coupon issued in one transaction. Running the command again \
            with the same --key answers the same coupon and spends nothing more; without --key a new key is made and \
            printed, so a retry after a lost answer can use it.
            """
    )
    @OptionGroup var options: CommonOptions
    @Argument(help: "Member id.") var memberID: String
    @Argument(help: "Template name (one with a points price).") var template: String
    @Option(help: "Idempotency key, 1-128 characters (a retry with the same key never spends twice).") var key: String?

    func validate() throws {
        if let key, !(1...128).contains(key.count) { throw ValidationError("--key must be 1-128 characters") }
    }

    func run() async throws {
        let exchangeKey = key ?? "crmctl-" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
        if key == nil { print("key: \(exchangeKey) (retry with --key \(exchangeKey) to get the same coupon)", to: .standardError) }
        try await runClientCommand("crmctl") {
            let sent = RPC.CouponExchange.Exchange.Params(memberID: try CRMCommandLine.memberID(memberID), template: template, idempotencyKey: exchangeKey)
            try await options.connection.withClient(client: CRMCtl.clientName) { client in
                let r = try await client.call(RPC.CouponExchange.Exchange.self, sent)
                if options.json { return try printJSON(r) }
                print("coupon \(r.code) (\(r.template)) to member \(r.memberID) for \(r.points) points; balance now \(r.balance); usable until \(r.expiresAt)")
                if r.replayed { print("(replayed: this key was used before; nothing more was spent)") }
            }
        }
    }
}
