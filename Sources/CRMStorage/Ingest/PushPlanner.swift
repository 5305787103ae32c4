import CRMDomain

/// Decides, from the events of one push and the outcomes decided so far (`PushOutcomes`), what the
/// push does next: a set-based segment (`SegmentPlan`) or one event on its own (`SingleStep`).
/// Reads nothing from the database: which accounts exist already is asked by the caller
/// (`BulkIngest.existingAccounts`) for the candidates and handed to `segment`.
struct PushPlanner {
    let events: [PushedEvent]

    /// The events from `index` on that may go the set-based way together: valid and new, and up to
    /// an event id or an upserted account that comes a second time.
    func candidates(at index: Int, _ outcomes: PushOutcomes) -> [SyncEvent] {
        var ids = Set<String>()
        var accounts = Set<String>()
        var segment: [SyncEvent] = []
        var j = index
        while j < events.count, case .valid(let e) = events[j], outcomes.isNew(e.id, e.contentHash), ids.insert(e.id).inserted {
            // A paid order with coupons goes on its own (`CouponOrder`): an unusable coupon rejects it.
            if case .orderPaid(let order) = e.payload, !order.coupons.isEmpty { break }
            if case .memberUpsert(let profile, _, _, _) = e.payload {
                guard accounts.insert(BulkIngest.accountKey(e.channel, profile.externalID)).inserted else { break }
            }
            segment.append(e)
            j += 1
        }
        return segment
    }

    /// The segment of `candidates` (which start at `index`) up to the first upsert of an account that
    /// exists already (an update, applied on its own); nil when that is the first, or there is none.
    func segment(of candidates: [SyncEvent], at index: Int, existing: Set<String>) -> SegmentPlan? {
        let cut =
            candidates.firstIndex { e in
                if case .memberUpsert(let profile, _, _, _) = e.payload { return existing.contains(BulkIngest.accountKey(e.channel, profile.externalID)) }
                return false
            } ?? candidates.count
        guard cut > 0 else { return nil }
        return SegmentPlan(start: index, events: cut == candidates.count ? candidates : Array(candidates.prefix(cut)))
    }

    /// What to do with the event at `index` on its own.
    func single(at index: Int, _ outcomes: PushOutcomes) -> SingleStep {
        switch events[index] {
        case .invalid(nil, _, _, let rejection):
            return .answer(EventOutcome(eventID: nil, status: .rejected, rejection: rejection))
        case .invalid(let id?, let hash, let type, let rejection):
            if let again = Self.again(id, hash, index: index, outcomes) { return .answer(again) }
            return .reject(EventOutcome(eventID: id, status: .rejected, rejection: rejection), hash: hash, type: type)
        case .valid(let e):
            if let again = Self.again(e.id, e.contentHash, index: index, outcomes) { return .answer(again) }
            switch e.payload {
            case .memberUpsert: return .apply(e, index: index, lock: .identity)
            case .orderRefunded: return .apply(e, index: index, lock: .points)
            case .orderPaid(let order): return .apply(e, index: index, lock: order.coupons.isEmpty ? .none : .points)
            }
        }
    }

    /// The answer to an event id seen before and not new (nil when it is new): a duplicate of the
    /// first outcome when the content is the same, a conflict when it is not.
    static func again(_ id: String, _ hash: [UInt8], index: Int, _ outcomes: PushOutcomes) -> EventOutcome? {
        guard let first = outcomes.first(id), !outcomes.isNew(id, hash) else { return nil }
        guard first.hash == hash else {
            return EventOutcome(
                eventID: id, status: .rejected,
                rejection: EventRejection(
                    .conflict, reason: .eventIDReused, message: "event \(id) was already received with different content",
                    field: "events[\(index)].id"))
        }
        var duplicate = first.outcome
        duplicate.firstStatus = first.outcome.status
        duplicate.status = .duplicate
        return duplicate
    }
}
