import CRMDomain
import CRMPostgres

/// Applies one pushed batch of a shop's events in one transaction: events in order, each inside
/// a savepoint so a rejected event leaves nothing behind while the rest apply; every outcome
/// recorded by (shop, event id) so a replay answers `duplicate` with the first outcome forever.
/// A shop's pushes apply one after another (a per-shop advisory lock). Pushes of different shops
/// write their rows in parallel; identity resolution takes one transaction-scoped advisory lock held
/// until commit, so each push resolves against everything committed before it and two pushes never
/// merge the same members at once (accounts two pushes add at the same time are matched by the one
/// that resolves second). A push screens its new accounts for possible matches before it waits for
/// that lock and, holding it, only against what committed meanwhile (`IdentityJournal`).
///
/// A push is planned step by step (`PushPlanner`: set-based segments, single events) and each step
/// run by its executor (`SegmentExecutor` and the upsert, order and refund executors it drives;
/// `SingleEventExecutor`), the push's state in named values: the locks held (`PushLocks`) and the
/// outcomes so far (`PushOutcomes`, recorded at the end by `SyncEventLog`).
public struct IngestEngine: Sendable {
    static let identityLockKey: Int64 = 0x63726d5f6964  // "crm_id"
    /// The first key of the two-key advisory locks that serialise one shop's pushes.
    static let shopLockSpace: Int32 = 0x63736870  // "cshp"

    let pool: PostgresPool
    let codec: PersonalDataCodec

    public init(pool: PostgresPool, codec: PersonalDataCodec) {
        self.pool = pool
        self.codec = codec
    }

    /// Applies `events` for `shopCode`; one outcome per event, in order.
    public func push(shopCode: String, events: [PushedEvent], policy: IdentityPolicy, loyalty: LoyaltyPolicy) async throws -> [EventOutcome] {
        let codec = self.codec
        return try await pool.withTransaction { c in
            // A push's statements are short lookups. Over tables partitioned by month the planner adds
            // up every month's index before run-time pruning leaves one, and that estimate crosses the
            // thresholds of JIT compilation and parallel workers: each costs far more than the lookup.
            try c.queryPrepared("SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)", [])
            guard let shopRow = try c.queryPrepared("SELECT id FROM shop WHERE code = $1", [.text(shopCode)]).single else {
                throw StorageError.notFound(reason: .shopNotFound, message: "no shop with code \(shopCode)")
            }
            let shopID: Int64 = try shopRow.decode(at: 0)
            try PushLocks.lockShop(c, shopID: shopID)
            let seen = try SyncEventLog.firstOutcomes(c, shopID: shopID, of: events)
            var outcomes = PushOutcomes(seen: seen, capacity: events.count)
            let push = PushCoupons(c: c, shopCode: shopCode, events: events, ladder: loyalty.ladder)
            let bulk = BulkIngest(c: c, shopID: shopID, shopCode: shopCode, policy: policy, codec: codec, loyalty: loyalty, push: push)
            let single = SingleEventExecutor(c: c, applier: EventApplier(c: c, shopID: shopID, policy: policy, codec: codec, loyalty: loyalty, bulk: bulk))
            try Self.apply(events, bulk: bulk, single: single, outcomes: &outcomes)
            let rejectedBefore = Set(seen.filter { $0.value.outcome.status == .rejected }.keys)
            try SyncEventLog.record(c, shopID: shopID, outcomes.records, rejectedBefore: rejectedBefore)
            return outcomes.outcomes
        }
    }

    /// Goes through the push in order, by the planner's steps: a set-based segment while one can be
    /// made from the next events, otherwise the next event on its own.
    static func apply(_ events: [PushedEvent], bulk: BulkIngest, single: SingleEventExecutor, outcomes: inout PushOutcomes) throws {
        let planner = PushPlanner(events: events)
        let segments = SegmentExecutor(bulk: bulk, single: single)
        var locks = PushLocks(events: events)
        var index = 0
        while index < events.count {
            let candidates = planner.candidates(at: index, outcomes)
            if let plan = planner.segment(of: candidates, at: index, existing: try bulk.existingAccounts(candidates)) {
                for (e, outcome) in zip(plan.events, try segments.run(plan, locks: &locks)) {
                    outcomes.finish(outcome, hash: e.contentHash, type: e.typeName)
                }
                index += plan.events.count
                continue
            }
            switch planner.single(at: index, outcomes) {
            case .answer(let outcome):
                outcomes.answer(outcome)
            case .reject(let outcome, let hash, let type):
                outcomes.finish(outcome, hash: hash, type: type)
            case .apply(let e, let place, let lock):
                try locks.take(lock, on: bulk.c)
                outcomes.finish(try single.apply(e, index: place), hash: e.contentHash, type: e.typeName)
            }
            index += 1
        }
    }
}
