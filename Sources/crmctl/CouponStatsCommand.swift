import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl coupon stats`: issued, redeemed, 核銷率 and value, by template and by shop.
struct CouponStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Coupons issued, redeemed, expired, voided and usable, the redemption rate (核銷率) and value, by template and shop.")
    @OptionGroup var options: CommonOptions
    @Option(help: "Only this template.") var template: String?

    func run() async throws {
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: CRMCtl.clientName) { client in
                let r = try await client.call(RPC.Coupon.Stats.self, .init(template: template))
                if options.json { return try printJSON(r) }
                var table = TextTable(headers: ["template", "issued", "redeemed", "核銷率", "expired", "voided", "usable", "face value", "discount"])
                for t in r.templates {
                    table.add([
                        t.template, String(t.issued), String(t.redeemed), Self.percent(t.redemptionRate), String(t.expired), String(t.voided),
                        String(t.usable), t.faceValueRedeemed, t.discount,
                    ])
                }
                print(table.render())
                guard !r.shops.isEmpty else { return }
                var shops = TextTable(headers: ["template", "shop", "redeemed", "face value", "discount"])
                for s in r.shops { shops.add([s.template, s.shop, String(s.redeemed), s.faceValueRedeemed, s.discount]) }
                print("")
                print(shops.render())
            }
        }
    }

    /// "0.4000" as "40.00 %" (exactly, from the text); "-" before any is issued.
    static func percent(_ rate: String?) -> String {
        guard let rate, let dot = rate.firstIndex(of: ".") else { return "-" }
        let digits = rate[rate.index(after: dot)...]
        let whole = Int(rate[..<dot])! * 100 + Int(digits.prefix(2))!
        return "\(whole).\(digits.dropFirst(2)) %"
    }
}
