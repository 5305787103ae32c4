import CRMDomain
import CRMPostgres

/// The refunds of a segment, after its orders: a refund naming an order that comes later in the
/// segment is refused, as in order; the rest go as one `RefundRun` (each sees what the ones before
/// it left), or one by one in savepoints when a refunded order qualified a rewarded referral (a
/// refund may void it).
struct RefundExecutor {
    let bulk: BulkIngest
    let single: SingleEventExecutor

    /// One outcome per refund, in order; `orders` and `orderOutcomes` are the segment's paid orders
    /// and what became of them.
    func apply(
        _ refunds: [RefundRun.Item], after orders: [OrderExecutor.Item], orderOutcomes: [EventOutcome],
        locks: inout PushLocks
    ) throws -> [EventOutcome] {
        var outcomes = [EventOutcome?](repeating: nil, count: refunds.count)
        // Where each order this segment created stands in the push.
        var orderPlace: [String: Int] = [:]
        for (item, outcome) in zip(orders, orderOutcomes) where outcome.status == .applied {
            orderPlace[item.event.channel.rawValue + "|" + item.value.orderNo] = item.index
        }
        var run: [RefundRun.Item] = []
        var positions: [Int] = []
        for (position, item) in refunds.enumerated() {
            if let place = orderPlace[item.event.channel.rawValue + "|" + item.value.orderNo], place > item.index {
                outcomes[position] = EventOutcome(
                    eventID: item.event.id, status: .rejected, rejection: EventApplier.orderNotFound(item.value, index: item.index))
                continue
            }
            run.append(item)
            positions.append(position)
        }
        if !run.isEmpty {
            try locks.points(on: bulk.c)
            if let applied = try RefundRun(c: bulk.c, shopID: bulk.shopID, policy: bulk.loyalty.points).apply(run) {
                for (position, result) in zip(positions, applied) { outcomes[position] = result.outcome }
            } else {
                for (position, item) in zip(positions, run) { outcomes[position] = try single.apply(item.event, index: item.index) }
            }
        }
        return outcomes.map { $0! }
    }
}
