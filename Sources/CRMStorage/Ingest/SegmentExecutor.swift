import CRMDomain
import CRMPostgres

/// Applies one set-based segment (`SegmentPlan`) with its executors, in the order that keeps the
/// identity lock short: the upserts' and the orders' rows (no lock needed), then who the new
/// accounts are (the identity lock), then the orders' points, then the refunds. The end state is
/// that of applying the segment's events in order.
struct SegmentExecutor {
    let bulk: BulkIngest
    let single: SingleEventExecutor

    /// One outcome per event of the segment, in push order.
    func run(_ plan: SegmentPlan, locks: inout PushLocks) throws -> [EventOutcome] {
        let upserts = UpsertExecutor(bulk: bulk)
        let orders = OrderExecutor(bulk: bulk)
        let inserted = try upserts.insert(plan.upserts)
        let placed = try orders.place(plan.orders)
        var outcomes = [EventOutcome?](repeating: nil, count: plan.events.count)
        if !plan.upserts.isEmpty {
            for (item, outcome) in zip(plan.upserts, try upserts.resolve(inserted, locks: &locks)) { outcomes[item.index - plan.start] = outcome }
        }
        let orderOutcomes = try orders.earn(placed, resolvedUpserts: !plan.upserts.isEmpty, locks: &locks)
        for (item, outcome) in zip(plan.orders, orderOutcomes) { outcomes[item.index - plan.start] = outcome }
        let refunds = try RefundExecutor(bulk: bulk, single: single).apply(plan.refunds, after: plan.orders, orderOutcomes: orderOutcomes, locks: &locks)
        for (item, outcome) in zip(plan.refunds, refunds) { outcomes[item.index - plan.start] = outcome }
        return outcomes.map { $0! }
    }
}
