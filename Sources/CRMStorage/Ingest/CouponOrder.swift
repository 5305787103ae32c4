import CRMDomain
import CRMJSON
import CRMPostgres

/// A paid order that names coupons (`order.paid` with `coupons`), applied on its own inside its
/// event's savepoint (`SingleEventExecutor`): written as the set-based path writes orders, its
/// coupons redeemed by `CouponRedeemer` against the order's cart for the order's member, then its
/// points earned as the set-based path earns them. A coupon that cannot be used rejects the event
/// with the reason, and the savepoint takes the order back with it: no order, no points. The
/// caller holds the identity lock (shared at least), so the member read is the live one.
struct CouponOrder {
    let bulk: BulkIngest

    /// Applies the order; returns its member, or throws the event's rejection.
    func apply(_ event: SyncEvent, _ order: PaidOrder, index: Int) throws -> Int64 {
        let placed = try bulk.orders([.init(index: index, event: event, value: order)])
        guard let result = placed.results.first, placed.results.count == 1 else { preconditionFailure("one order placed, one result") }
        if let rejection = result.outcome.rejection { throw rejection }
        guard let account = result.account, let row = placed.paid.first else { preconditionFailure("an applied order has its account and row") }
        let memberOf = try bulk.members(ofAccounts: [account])
        guard let member = memberOf[account] else { preconditionFailure("an account always has a member") }
        let use = CouponRedeemer.Use(shopID: bulk.shopID, orderID: row.orderID, orderNo: order.orderNo, actor: "sync")
        let cart = Self.cart(order, shop: bulk.shopCode, channel: event.channel)
        if case .failure(let failure) = try CouponRedeemer(c: bulk.c).redeem(order.coupons, member: member, cart: cart, use: use) {
            let place = order.coupons.firstIndex(of: failure.code) ?? 0
            throw EventRejection(
                failure.reason == .couponNotFound ? .notFound : .refused, reason: failure.reason, message: failure.message,
                field: "events[\(index)].order.coupons[\(place)]")
        }
        try bulk.earn(placed.paid, memberOf: memberOf)
        return member
    }

    /// The order as a checkout's cart: its shop, channel and amount as sent (before coupons), and its
    /// items (each line's price × quantity).
    static func cart(_ order: PaidOrder, shop: String, channel: Channel) -> Cart {
        // The items were validated when the event was parsed.
        let items = (try? JSONParser.parse(order.itemsJSON))?.arrayValue ?? []
        return Cart(
            shop: shop, channel: channel, amountFen: order.amountFen,
            items: items.map { item in
                let (line, overflow) = (item["price_fen"]?.int64Value ?? 0).multipliedReportingOverflow(by: item["quantity"]?.int64Value ?? 1)
                return Cart.Item(sku: item["sku"]?.stringValue, category: item["category"]?.stringValue, amountFen: overflow ? Int64.max : line)
            })
    }
}
