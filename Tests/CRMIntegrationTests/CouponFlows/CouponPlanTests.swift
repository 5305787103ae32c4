import CRMDomain
import Testing

@testable import CRMStorage

/// Where a paid order with coupons goes in a push: on its own, after everything before it, holding
/// the points lock (no database).
@Suite("planning a push with coupons")
struct CouponPlanTests {
    static func order(_ id: String, coupons: [String] = []) -> PushedEvent {
        var order = PaidOrder(
            orderNo: id, memberExternalID: "a", amountFen: 10_000, paidAt: "2026-03-01T10:00:00+08:00", paymentMethod: nil, itemsJSON: "[]")
        order.coupons = coupons
        return .valid(SyncEvent(id: id, channel: .web, occurredAt: "2026-03-01T10:00:00+08:00", contentHash: [1], payload: .orderPaid(order)))
    }

    @Test("an order with coupons ends the segment before it and goes alone under the points lock; the orders after it make the next segment")
    func alone() {
        let planner = PushPlanner(events: [Self.order("e1"), Self.order("e2", coupons: ["K7QD-2M9X-AB3F-0RTV"]), Self.order("e3"), Self.order("e4")])
        let nothing = PushOutcomes(seen: [:], capacity: 0)
        #expect(planner.candidates(at: 0, nothing).map(\.id) == ["e1"])
        #expect(planner.candidates(at: 1, nothing).isEmpty)
        #expect(planner.segment(of: [], at: 1, existing: []) == nil)
        guard case .apply(let e, 1, .points) = planner.single(at: 1, nothing) else {
            Issue.record("an order with coupons is applied on its own under the points lock")
            return
        }
        #expect(e.id == "e2")
        #expect(planner.candidates(at: 2, nothing).map(\.id) == ["e3", "e4"])
    }
}
