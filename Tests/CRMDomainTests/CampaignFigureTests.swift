import CRMDomain
import Testing

@Suite("campaign report figures")
struct CampaignFigureTests {
    @Test("fractions to four places, percentages to one, money ratios to two, rounded half up; nil where the whole is empty")
    func text() {
        #expect(CampaignFigureText.fraction(1, of: 3) == "0.3333")
        #expect(CampaignFigureText.fraction(2, of: 3) == "0.6667")
        #expect(CampaignFigureText.fraction(1, of: 8) == "0.1250")
        #expect(CampaignFigureText.fraction(7, of: 7) == "1.0000")
        #expect(CampaignFigureText.fraction(0, of: 0) == nil)
        #expect(CampaignFigureText.fraction(-0.019_714) == "-0.0197")
        #expect(CampaignFigureText.fraction(1.019_714) == "1.0197")
        #expect(CampaignFigureText.fraction(0.000_04) == "0.0000")
        #expect(CampaignFigureText.fraction(-0.000_04) == "0.0000")
        #expect(CampaignFigureText.percent(20_000, of: 39_000) == "51.3")
        #expect(CampaignFigureText.percent(0, of: 0) == "0.0")
        #expect(CampaignFigureText.ratio(31_000, per: 1_800) == "17.22")
        #expect(CampaignFigureText.ratio(-5_000, per: 600) == "-8.33")
        #expect(CampaignFigureText.ratio(1, per: 1_000) == "0.00")
        #expect(CampaignFigureText.ratio(5, per: 0) == nil)
    }

    @Test("cost is the redeemed discount plus points at their value, rounded half up to the fen; variants add up")
    func cost() {
        var a = CampaignArmFigures()
        a.discountFen = 1_000
        a.points = 800
        #expect(a.costFen(pointsPerYuan: 100) == 1_800)
        a.points = 1
        #expect(a.costFen(pointsPerYuan: 200) == 1_001)
        #expect(a.costFen(pointsPerYuan: 300) == 1_000)
        var b = CampaignArmFigures()
        b.members = 3
        b.responders = 1
        b.gmvFen = 500
        let s = a + b + b
        #expect(s.members == 6 && s.responders == 2 && s.gmvFen == 1_000 && s.discountFen == 1_000)
        #expect(s.comparisonArm == .init(members: 6, responders: 2, orders: 0, gmvFen: 1_000))
    }
}
