import CRMDomain
import Testing

@Suite("campaign rules")
struct CampaignDomainTests {
    static let plan: CampaignPlan = {
        var p = CampaignPlan(variants: [.init(name: "A", action: .coupon(template: "T3")), .init(name: "B", action: .notice(message: "想你了"), weight: 3)])
        p.holdoutPercent = 10
        return p
    }()

    @Test("assignment: the same seed and member give the same arm; shares follow the holdout and the weights")
    func assignment() {
        var counts: [String: Int] = [:]
        for member in Int64(1)...100_000 {
            let arm = CampaignAssignment.arm(member: member, seed: 42, plan: Self.plan)
            #expect(arm == CampaignAssignment.arm(member: member, seed: 42, plan: Self.plan))
            counts[arm, default: 0] += 1
        }
        // 10 % control; the rest split 1 : 3. Bounds are about five standard deviations.
        #expect((9_500...10_500).contains(counts["control"] ?? 0))
        #expect((21_800...23_200).contains(counts["A"] ?? 0))
        #expect((66_700...68_300).contains(counts["B"] ?? 0))
        let other = (Int64(1)...1_000).filter {
            CampaignAssignment.arm(member: $0, seed: 42, plan: Self.plan) != CampaignAssignment.arm(member: $0, seed: 43, plan: Self.plan)
        }
        #expect(other.count > 300)  // another seed splits the members another way
        var none = Self.plan
        none.holdoutPercent = 0
        #expect((Int64(1)...10_000).allSatisfy { CampaignAssignment.arm(member: $0, seed: 7, plan: none) != CampaignPlan.control })
    }

    @Test("uplift: difference of rates with a 95 % interval; increments against the control group's rate")
    func uplift() throws {
        // 1,000 treated, 120 responded; 1,000 control, 80 responded.
        let c = ResponseComparison(
            treated: .init(members: 1_000, responders: 120, orders: 150, gmvFen: 3_000_000),
            control: .init(members: 1_000, responders: 80, orders: 100, gmvFen: 2_000_000))
        let u = try #require(c.uplift)
        #expect(abs(u.value - 0.04) < 1e-12)
        // se = sqrt(.12 × .88 / 1000 + .08 × .92 / 1000) = 0.0133866...; half width 0.0262374...
        #expect(abs(u.low - 0.0137626) < 1e-6)
        #expect(abs(u.high - 0.0662374) < 1e-6)
        #expect(c.incrementalOrders == 50)
        #expect(c.incrementalGMVFen == 1_000_000)
        // A control group a ninth the size: its per-member figures are scaled up.
        let small = ResponseComparison(
            treated: .init(members: 900, responders: 90, orders: 95, gmvFen: 900_000), control: .init(members: 100, responders: 5, orders: 5, gmvFen: 50_000))
        #expect(small.incrementalOrders == 50)
        #expect(small.incrementalGMVFen == 450_000)
        #expect(ResponseComparison(treated: .init(members: 10, responders: 1), control: .init(members: 0, responders: 0)).uplift == nil)
    }

    @Test("plans name what is wrong with them")
    func problems() {
        #expect(Self.plan.problems().isEmpty)
        var p = CampaignPlan(variants: [.init(name: "control", action: .points(0)), .init(name: "control", action: .coupon(template: ""))])
        p.holdoutPercent = 95
        p.waves = .init(everyDays: 30, retouches: 5)
        p.trigger = .lifecycle(.silent)
        p.consentChannel = "fax"
        let found = p.problems()
        #expect(found.contains("variant names must be unique"))
        #expect(found.contains("variant names are 1-50 characters and not control"))
        #expect(found.contains("variant control: points must be between 1 and 1000000"))
        #expect(found.contains("holdout_percent must be between 0 and 90"))
        #expect(found.contains("a standing campaign touches each entry once: it has no waves"))
        #expect(found.contains { $0.hasPrefix("consent_channel") })
    }
}
