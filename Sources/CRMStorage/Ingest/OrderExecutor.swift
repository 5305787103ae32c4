import CRMDomain
import CRMPostgres

/// The paid orders of a segment: their rows first (no lock needed), then, once the segment's
/// accounts are resolved, their points under the identity lock.
struct OrderExecutor {
    let bulk: BulkIngest

    typealias Item = BulkIngest.Indexed<PaidOrder>

    /// Writes the orders (`BulkIngest.orders`); their points come after, from `earn`.
    func place(_ orders: [Item]) throws -> BulkIngest.PlacedOrders {
        try bulk.orders(orders)
    }

    /// Earns the points of the orders `place` wrote; one outcome per order, in order. Orders earn
    /// for, and answer with, their account's member as it is once the identity lock is held: after
    /// the segment's merges (`resolvedUpserts`: it had upserts) and any other push committed meanwhile.
    func earn(_ placed: BulkIngest.PlacedOrders, resolvedUpserts: Bool, locks: inout PushLocks) throws -> [EventOutcome] {
        if !placed.paid.isEmpty { try locks.points(on: bulk.c) }
        let memberOf = !resolvedUpserts && placed.paid.isEmpty ? [:] : try bulk.members(ofAccounts: placed.results.compactMap(\.account))
        try bulk.earn(placed.paid, memberOf: memberOf)
        return placed.results.map { order in
            var outcome = order.outcome
            if let account = order.account, let member = memberOf[account] { outcome.memberID = member }
            return outcome
        }
    }
}
