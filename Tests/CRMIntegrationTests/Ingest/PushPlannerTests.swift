import CRMDomain
import Testing

@testable import CRMStorage

/// The planner of a push on its own (no database): where a set-based segment ends and what an event
/// that goes on its own is answered. Pushes through the server are tested in `SyncTests`.
@Suite("planning a push")
struct PushPlannerTests {
    static func upsert(_ id: String, account: String, hash: UInt8 = 1) -> PushedEvent {
        .valid(
            SyncEvent(
                id: id, channel: .web, occurredAt: "2026-03-01T10:00:00+08:00", contentHash: [hash],
                payload: .memberUpsert(MemberProfile(externalID: account), rawJSON: "{}", attributesJSON: "{}", platformIDsJSON: "{}")))
    }

    static func order(_ id: String, _ no: String, hash: UInt8 = 1) -> PushedEvent {
        .valid(
            SyncEvent(
                id: id, channel: .web, occurredAt: "2026-03-01T10:00:00+08:00", contentHash: [hash],
                payload: .orderPaid(
                    PaidOrder(
                        orderNo: no, memberExternalID: "a", amountFen: 100, paidAt: "2026-03-01T10:00:00+08:00",
                        paymentMethod: nil, itemsJSON: "[]"))))
    }

    static func refund(_ id: String, _ no: String) -> PushedEvent {
        .valid(
            SyncEvent(
                id: id, channel: .web, occurredAt: "2026-03-01T10:00:00+08:00", contentHash: [1],
                payload: .orderRefunded(Refund(orderNo: no, refundNo: "r-" + id, amountFen: 10, refundedAt: "2026-03-02T10:00:00+08:00"))))
    }

    static let nothingSeen = PushOutcomes(seen: [:], capacity: 0)

    @Test("a segment runs up to an event id or an account that comes again, grouped by kind at their places")
    func segmentEnds() {
        let events = [
            Self.upsert("e1", account: "a"), Self.order("e2", "o1"), Self.refund("e3", "o1"), Self.upsert("e4", account: "a"), Self.order("e5", "o2"),
        ]
        let planner = PushPlanner(events: events)
        let candidates = planner.candidates(at: 0, Self.nothingSeen)
        #expect(candidates.map(\.id) == ["e1", "e2", "e3"])
        let plan = planner.segment(of: candidates, at: 0, existing: [])
        #expect(plan?.upserts.map(\.index) == [0])
        #expect(plan?.orders.map(\.index) == [1])
        #expect(plan?.refunds.map(\.index) == [2])
        #expect(planner.candidates(at: 3, Self.nothingSeen).map(\.id) == ["e4", "e5"])
        let repeated = PushPlanner(events: [Self.order("e1", "o1"), Self.order("e1", "o2")])
        #expect(repeated.candidates(at: 0, Self.nothingSeen).map(\.id) == ["e1"])
    }

    @Test("an upsert of an account that exists ends the segment, and goes on its own under the identity lock when it comes first")
    func existingAccount() {
        let planner = PushPlanner(events: [Self.order("e1", "o1"), Self.upsert("e2", account: "a"), Self.order("e3", "o2")])
        let existing: Set<String> = [BulkIngest.accountKey(.web, "a")]
        #expect(planner.segment(of: planner.candidates(at: 0, Self.nothingSeen), at: 0, existing: existing)?.events.map(\.id) == ["e1"])
        #expect(planner.segment(of: planner.candidates(at: 1, Self.nothingSeen), at: 1, existing: existing) == nil)
        guard case .apply(let e, let index, .identity) = planner.single(at: 1, Self.nothingSeen) else {
            Issue.record("an update is applied on its own under the identity lock")
            return
        }
        #expect(e.id == "e2" && index == 1)
    }

    @Test("an event id seen before is a duplicate with the same content and a conflict with other content, unless it was rejected")
    func seenBefore() {
        var outcomes = Self.nothingSeen
        outcomes.finish(EventOutcome(eventID: "e1", status: .applied, memberID: 7), hash: [1], type: "order.paid")
        outcomes.finish(EventOutcome(eventID: "e2", status: .rejected), hash: [1], type: "order.paid")
        let planner = PushPlanner(events: [Self.order("e1", "o1"), Self.order("e1", "o1", hash: 2), Self.order("e2", "o2", hash: 2)])
        #expect(planner.candidates(at: 0, outcomes).isEmpty)
        guard case .answer(let duplicate) = planner.single(at: 0, outcomes), case .answer(let conflict) = planner.single(at: 1, outcomes) else {
            Issue.record("an event id seen before is answered without being applied")
            return
        }
        #expect(duplicate == EventOutcome(eventID: "e1", status: .duplicate, memberID: 7, firstStatus: .applied))
        #expect(conflict.status == .rejected && conflict.rejection?.reason == "event_id_reused" && conflict.rejection?.field == "events[1].id")
        #expect(planner.candidates(at: 2, outcomes).map(\.id) == ["e2"])
    }
}
