import CRMDomain
import Testing

@Suite("points and levels rules")
struct PointsDomainTests {
    @Test("calendar arithmetic in the merchant's time zone")
    func civilTime() {
        let t = CivilTime.seconds(rfc3339: "2026-01-31T20:00:00+08:00")!
        #expect(CivilTime.rfc3339(t) == "2026-01-31T12:00:00Z")
        #expect(CivilTime.rfc3339(CivilTime.addingMonths(1, to: t, offsetMinutes: 480)) == "2026-02-28T12:00:00Z")
        #expect(CivilTime.rfc3339(CivilTime.addingMonths(13, to: t, offsetMinutes: 480)) == "2027-02-28T12:00:00Z")
        #expect(CivilTime.rfc3339(CivilTime.addingMonths(-1, to: t, offsetMinutes: 480)) == "2025-12-31T12:00:00Z")
        // 2026-02-01 01:00 in +08:00 is still 31 January in UTC.
        let late = CivilTime.seconds(rfc3339: "2026-02-01T01:00:00+08:00")!
        #expect(CivilTime.localDateText(late, offsetMinutes: 480) == "2026-02-01")
        #expect(CivilTime.localDateText(late, offsetMinutes: 0) == "2026-01-31")
        #expect(CivilTime.rfc3339(CivilTime.endOfDay((2026, 3, 1), offsetMinutes: 480)) == "2026-03-01T16:00:00Z")
        #expect(CivilTime.offsetMinutes("-05:30") == -330)
        #expect(CivilTime.offsetMinutes("+8") == nil)
        #expect(CivilTime.date("2026-02-29") == nil)
        #expect(CivilTime.date("2028-02-29") != nil)
    }

    @Test("lot expiry: N months after earning, rounded up to the month or year end")
    func expiry() {
        var p = PointsPolicy()
        let earned = CivilTime.seconds(rfc3339: "2025-06-15T10:00:00+08:00")!
        #expect(CivilTime.rfc3339(p.expiresAt(earnedAt: earned)!) == "2026-06-15T02:00:00Z")
        p.expiry = .rolling(months: 12, round: .monthEnd)
        #expect(CivilTime.rfc3339(p.expiresAt(earnedAt: earned)!) == "2026-06-30T16:00:00Z")
        p.expiry = .rolling(months: 6, round: .yearEnd)
        #expect(CivilTime.rfc3339(p.expiresAt(earnedAt: earned)!) == "2025-12-31T16:00:00Z")
        p.expiry = .yearlyClearing(month: 12, day: 31, sharePercent: 30)
        #expect(p.expiresAt(earnedAt: earned) == nil)
        #expect(p.clearingPeriods(onOrBefore: (2026, 12, 30), limit: 1) == ["2025-12-31"])
        #expect(p.clearingPeriods(onOrBefore: (2026, 12, 31), limit: 1) == ["2026-12-31"])
        p.expiry = .yearlyClearing(month: 2, day: 29, sharePercent: 30)
        #expect(p.problems().isEmpty == false)
        // The clearing's share is defined in the SQL that runs it (ClearingShare): tested in ClearingShareTests.
    }

    @Test("refunds take back points in proportion to everything refunded, rounding down, all of it on a full refund")
    func reversal() {
        #expect(PointsPolicy.reversedPoints(earned: 399, orderFen: 39_900, refundedFen: 10_000) == 100)
        #expect(PointsPolicy.reversedPoints(earned: 100, orderFen: 30_000, refundedFen: 10_000) == 33)
        #expect(PointsPolicy.reversedPoints(earned: 100, orderFen: 30_000, refundedFen: 20_000) == 66)
        #expect(PointsPolicy.reversedPoints(earned: 100, orderFen: 30_000, refundedFen: 30_000) == 100)
        #expect(PointsPolicy.reversedPoints(earned: 7, orderFen: 0, refundedFen: 0) == 7)
    }

    @Test("accrual: base at rate and level multiplier, rules on items or orders, caps")
    func accrual() {
        let order = AccrualOrder(
            shop: "sh01", channel: .mobile, amountFen: 39_950, paymentMethod: "alipay", paidAt: 1_770_000_000,
            items: [.init(sku: "BRA-1", category: "lingerie", amountFen: 30_000), .init(sku: "SOCK", category: "socks", amountFen: 9_950)])
        let plain = Accrual.compute(
            order: order, rateCenti: 100, levelCode: "regular", levelMultiplierPercent: 100, rules: [], usedToday: [:], maxPoints: 1_000_000_000)
        #expect(plain.total == 399)
        let vip = Accrual.compute(
            order: order, rateCenti: 100, levelCode: "vip", levelMultiplierPercent: 150, rules: [], usedToday: [:], maxPoints: 1_000_000_000)
        #expect(vip.total == 599)
        var double = AccrualRule(id: 1, name: "x2", version: 1, multiplierPercent: 200)
        double.categories = ["lingerie"]
        var bonus = AccrualRule(id: 2, name: "alipay", version: 3, bonus: 50)
        bonus.paymentMethods = ["alipay"]
        bonus.capPerMemberPerDay = 80
        var wrongShop = AccrualRule(id: 3, name: "other", version: 1, bonus: 1_000)
        wrongShop.shops = ["sh02"]
        let a = Accrual.compute(
            order: order, rateCenti: 100, levelCode: "regular", levelMultiplierPercent: 100, rules: [double, bonus, wrongShop],
            usedToday: ["alipay": 60], maxPoints: 1_000_000_000)
        #expect(a.base == 399)
        #expect(a.bonuses.map(\.points) == [300, 20])
        #expect(a.bonuses.map(\.version) == [1, 3])
        #expect(a.total == 719)
        var capped = double
        capped.capPerOrder = 10
        #expect(
            Accrual.compute(
                order: order, rateCenti: 100, levelCode: "r", levelMultiplierPercent: 100, rules: [capped], usedToday: [:], maxPoints: 1_000_000_000
            ).total == 409)
        var window = bonus
        window.capPerMemberPerDay = nil
        window.until = 1_770_000_000
        #expect(
            Accrual.compute(
                order: order, rateCenti: 100, levelCode: "r", levelMultiplierPercent: 100, rules: [window], usedToday: [:], maxPoints: 1_000_000_000
            ).total == 399)
        window.until = 1_770_000_001
        #expect(
            Accrual.compute(
                order: order, rateCenti: 100, levelCode: "r", levelMultiplierPercent: 100, rules: [window], usedToday: [:], maxPoints: 1_000_000_000
            ).total == 449)
        #expect(AccrualRule(id: 9, name: "both", version: 1, multiplierPercent: 200, bonus: 5).problems().isEmpty == false)
    }

    @Test("accrual at the limits: 1,000 rules at 10,000 % on the largest order stop at the limit of points per order")
    func accrualLimit() {
        let order = AccrualOrder(shop: "sh01", channel: .web, amountFen: Money.maxFen, paymentMethod: nil, paidAt: 1_770_000_000, items: [])
        let rules = (1...1_000).map { AccrualRule(id: Int64($0), name: "r\($0)", version: 1, multiplierPercent: AccrualRule.maxMultiplierPercent) }
        let a = Accrual.compute(
            order: order, rateCenti: 100_000, levelCode: "top", levelMultiplierPercent: 10_000, rules: rules, usedToday: [:],
            maxPoints: 1_000_000_000)
        #expect(a.total == 1_000_000_000)
        #expect(a.limitedTo == 1_000_000_000)
        #expect(a.bonuses.allSatisfy { $0.points == 1_000_000_000 })
        let small = Accrual.compute(
            order: AccrualOrder(shop: "sh01", channel: .web, amountFen: 100, paymentMethod: nil, paidAt: 0, items: []),
            rateCenti: 100, levelCode: "r", levelMultiplierPercent: 100, rules: [], usedToday: [:], maxPoints: 1_000_000_000)
        #expect(small.total == 1 && small.limitedTo == nil)
    }

    @Test("the ladder: rises at once, drops after the grace period, never below an operator's level")
    func ladder() {
        let l = LevelLadder()
        #expect(l.qualifyingRank(spendFen: 199_999, orders: 5) == 0)
        #expect(l.qualifyingRank(spendFen: 200_000, orders: 1) == 1)
        #expect(l.qualifyingRank(spendFen: 2_000_000, orders: 1) == 3)
        #expect(l.evaluate(currentRank: 1, qualifyingRank: 2, floorRank: 0, belowSinceDays: 5) == .keep(rank: 2))
        #expect(l.evaluate(currentRank: 2, qualifyingRank: 0, floorRank: 0, belowSinceDays: nil) == .startGrace)
        #expect(l.evaluate(currentRank: 2, qualifyingRank: 0, floorRank: 0, belowSinceDays: 29) == .waitGrace)
        #expect(l.evaluate(currentRank: 2, qualifyingRank: 0, floorRank: 0, belowSinceDays: 30) == .drop(rank: 0))
        #expect(l.evaluate(currentRank: 2, qualifyingRank: 0, floorRank: 2, belowSinceDays: 300) == .keep(rank: 2))
        #expect(l.rank(of: "removed") == 0)
        var bad = LevelLadder()
        bad.levels[2].minSpendFen = 100
        #expect(bad.problems().isEmpty == false)
        #expect(LevelLadder().problems().isEmpty)
    }

    @Test("lots are taken in order, each no further than it holds")
    func allocation() {
        let lots = [LotAllocation.Lot(id: 1, remaining: 5), .init(id: 2, remaining: 0), .init(id: 3, remaining: 10)]
        let (taken, shortfall) = LotAllocation.take(12, from: lots)
        #expect(taken.map(\.lot) == [1, 3])
        #expect(taken.map(\.points) == [5, 7])
        #expect(shortfall == 0)
        #expect(LotAllocation.take(20, from: lots).shortfall == 5)
        #expect(PointsPolicy.rateText(150) == "1.5")
        #expect(PointsPolicy.rateText(105) == "1.05")
    }
}
