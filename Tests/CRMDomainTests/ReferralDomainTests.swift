import CRMDomain
import Testing

@Suite("referral rules")
struct ReferralDomainTests {
    @Test("codes: 8 characters without look-alikes, read back forgivingly")
    func codes() {
        var seen = Set<String>()
        for _ in 0..<1_000 {
            let code = ReferralCode.generate()
            #expect(code.count == 8)
            #expect(!code.contains { "01OI".contains($0) })
            seen.insert(code)
        }
        #expect(seen.count == 1_000)
        #expect(ReferralCode.normalize("k7q2-mx8a") == "K7Q2MX8A")
        #expect(ReferralCode.normalize("K7Q2 MX8O") == nil)  // O is not in the alphabet
        #expect(ReferralCode.normalize("K7Q2MX") == nil)
    }

    @Test("first-order rewards: base, the highest tier reached, a campaign's larger rewards inside its window")
    func rewards() {
        var p = ReferralProgram()
        #expect(p.firstOrderRewards(amountFen: 10_000, paidAt: 0) == (100, 50, "base"))
        p.tiers = [.init(minOrderFen: 20_000, referrerPoints: 200, referredPoints: 80), .init(minOrderFen: 50_000, referrerPoints: 500, referredPoints: 100)]
        #expect(p.firstOrderRewards(amountFen: 19_999, paidAt: 0).referrer == 100)
        #expect(p.firstOrderRewards(amountFen: 20_000, paidAt: 0) == (200, 80, "tier:200.00"))
        #expect(p.firstOrderRewards(amountFen: 90_000, paidAt: 0).referrer == 500)
        p.campaigns = [.init(name: "雙11", from: 100, until: 200, referrerPoints: 300, referredPoints: 300)]
        #expect(p.firstOrderRewards(amountFen: 90_000, paidAt: 100) == (500, 300, "campaign:雙11"))
        #expect(p.firstOrderRewards(amountFen: 90_000, paidAt: 199).referred == 300)
        #expect(p.firstOrderRewards(amountFen: 90_000, paidAt: 200) == (500, 100, "tier:500.00"))
        #expect(p.problems().isEmpty)
        p.tiers.reverse()
        #expect(!p.problems().isEmpty)
    }

    @Test("share of later orders and caps per referrer")
    func shareAndCaps() {
        var p = ReferralProgram()
        p.sharePercent = 5
        #expect(p.share(amountFen: 39_900, rateCenti: 100) == 19)  // 5 % of 399 points
        p.capPerReferrerPerDay = 150
        p.capPerReferrerPerMonth = 1_000
        #expect(p.capped(100, usedToday: 0, usedThisMonth: 0) == 100)
        #expect(p.capped(100, usedToday: 100, usedThisMonth: 100) == 50)
        #expect(p.capped(100, usedToday: 0, usedThisMonth: 950) == 50)
        #expect(p.capped(100, usedToday: 200, usedThisMonth: 200) == 0)
        #expect(p.link(code: "K7Q2MX8A") == "https://shop.example.com/r/K7Q2MX8A")
    }
}
