import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

extension MemberCommand {
    /// `crmctl member benefits`: what a member is entitled to, and with a cart what they pay.
    struct Benefits: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a member's level, member price, benefits, points and usable coupons; with --cart-amount, what a cart costs.",
            discussion: """
                With --cart-amount (yuan, at list price) and --shop (and optionally --channel and --item), the quote a checkout \
                gets: the member price, the coupons that apply with what each takes off, the best one and the price to pay.
                """)
        @OptionGroup var options: CommonOptions
        @Argument(help: "Member id.") var memberID: MemberID?
        @Option(help: "Phone, in any usual format (instead of a member id).") var phone: String?
        @Option(help: "E-mail address (instead of a member id).") var email: String?
        @Option(name: .customLong("cart-amount"), help: "The cart's amount at list price, in yuan.") var cartAmount: String?
        @Option(help: "The shop selling (with --cart-amount).") var shop: String?
        @Option(help: "mobile, web or group_buy (with --cart-amount).") var channel: String?
        @Option(name: .customLong("item"), help: "A cart line SKU:PRICE[:QUANTITY[:CATEGORY]] (repeatable), for coupons limited to goods.")
        var items: [String] = []

        func validate() throws {
            guard [memberID != nil, phone != nil, email != nil].filter({ $0 }).count == 1 else {
                throw ValidationError("give one of: a member id, --phone, --email")
            }
            if cartAmount == nil, shop != nil || channel != nil || !items.isEmpty {
                throw ValidationError("--shop, --channel and --item describe a cart: give --cart-amount too")
            }
            if cartAmount != nil, shop == nil { throw ValidationError("--cart-amount needs --shop") }
            _ = try cartItems()
        }

        func cartItems() throws -> [RPC.Benefit.Cart.Item] {
            try items.map { text in
                let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard (2...4).contains(parts.count), !parts[0].isEmpty else { throw ValidationError("--item \(text): write SKU:PRICE[:QUANTITY[:CATEGORY]]") }
                let quantity = parts.count > 2 ? Int64(parts[2]) : 1
                guard let quantity, quantity > 0 else { throw ValidationError("--item \(text): the quantity is a whole number above 0") }
                return RPC.Benefit.Cart.Item(sku: parts[0], category: parts.count > 3 ? parts[3] : nil, quantity: quantity, price: parts[1])
            }
        }

        func run() async throws {
            let cart = try cartAmount.map { RPC.Benefit.Cart(shop: shop!, channel: channel, amount: $0, items: items.isEmpty ? nil : try cartItems()) }
            let request = RPC.Benefit.Member.Params(memberID: memberID, phone: phone, email: email, cart: cart)
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let r = try await client.call(RPC.Benefit.Member.self, request)
                    if options.json { return printJSON(try JSONValueEncoder().encode(r)) }
                    printBenefits(r, cart: cart)
                }
            }
        }
    }
}

/// The member's benefits as an operator reads them, then the coupons and the quote.
func printBenefits(_ r: RPC.Benefit.Member.Result, cart: RPC.Benefit.Cart?) {
    print("member \(r.memberID)\(r.mergedFrom.map { " (asked for \($0), merged into it)" } ?? "")")
    print("level       \(r.level.name) (\(r.level.code)): member price \(r.pricePercent) %, points ×\(Double(r.pointsMultiplierPercent) / 100)")
    print("points      \(r.points.balance)")
    for b in r.benefits { print("benefit     \(b.name) (\(b.code))\(benefitTerms(b))") }
    if r.coupons.isEmpty {
        print("coupons     none")
    } else {
        var table = TextTable(
            headers: cart == nil ? ["coupon", "template", "off", "min spend", "expires"] : ["coupon", "template", "off", "min spend", "expires", "this cart"])
        for c in r.coupons {
            var row = [c.code, c.title ?? c.template, c.kind == "percent" ? "\(c.value) %" : "¥\(c.value)", "¥\(c.minSpend)", c.expiresAt]
            if cart != nil { row.append(c.discount.map { "−¥\($0)" } ?? c.reason ?? "-") }
            table.add(row)
        }
        print("")
        print(table.render())
    }
    guard let cart, let memberPrice = r.memberPrice, let price = r.price else { return }
    print("")
    print("cart        ¥\(cart.amount) in \(cart.shop)\(cart.channel.map { "/\($0)" } ?? ""): ¥\(memberPrice) at the member price")
    if let best = r.bestCoupon, let offer = r.applicable?.first {
        print("best coupon \(best): −¥\(offer.discount)")
    } else {
        print("best coupon none applies")
    }
    print("to pay      ¥\(price)\(r.freeShipping == true ? ", shipped free" : "")")
}

/// A benefit's terms in a few words (`from ¥99.00`, `200 points in the birthday month`).
private func benefitTerms(_ b: RPC.Benefit.Entry) -> String {
    var parts: [String] = []
    if let m = b.minSpend { parts.append(m == "0.00" ? "always" : "from ¥\(m)") }
    if let p = b.points { parts.append("\(p) points") }
    if let c = b.coupon { parts.append("coupon \(c)") }
    if let w = b.when { parts.append(w == "day" ? "on the birthday" : "in the birthday month") }
    for (name, text) in b.params?.entries ?? [] { parts.append("\(name): \(text)") }
    return parts.isEmpty ? "" : ": " + parts.joined(separator: ", ")
}
