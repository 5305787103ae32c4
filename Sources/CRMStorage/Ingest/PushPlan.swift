import CRMDomain

/// A segment of a push that goes the set-based way: consecutive fresh events (paid orders,
/// upserts of accounts not seen before, refunds), each event id and each upserted account once,
/// grouped by kind with their places in the push. Applied as its upserts, then its orders (an
/// order naming an account an upsert of the segment creates finds it), then its refunds; the end
/// state is that of applying them in order (`SegmentExecutor`).
struct SegmentPlan {
    /// The place in the push of the segment's first event.
    let start: Int
    /// The segment's events, in push order.
    let events: [SyncEvent]
    var upserts: [BulkIngest.Indexed<BulkIngest.Upsert>] = []
    var orders: [BulkIngest.Indexed<PaidOrder>] = []
    var refunds: [BulkIngest.Indexed<Refund>] = []

    init(start: Int, events: [SyncEvent]) {
        self.start = start
        self.events = events
        for (offset, e) in events.enumerated() {
            switch e.payload {
            case .memberUpsert(let profile, let raw, let attributes, let platformIDs):
                upserts.append(.init(index: start + offset, event: e, value: (profile, raw, attributes, platformIDs)))
            case .orderPaid(let order):
                orders.append(.init(index: start + offset, event: e, value: order))
            case .orderRefunded(let refund):
                refunds.append(.init(index: start + offset, event: e, value: refund))
            }
        }
    }
}

/// What a push does with one event that does not join a segment.
enum SingleStep {
    /// Answered, neither applied nor recorded: a duplicate, an id reused with other content, an
    /// event without a usable id.
    case answer(EventOutcome)
    /// Rejected as the server parsed it, and recorded so that a replay answers the same.
    case reject(EventOutcome, hash: [UInt8], type: String)
    /// Applied on its own in a savepoint (`SingleEventExecutor`), holding the lock it needs first.
    case apply(SyncEvent, index: Int, lock: PushLocks.Need)
}
