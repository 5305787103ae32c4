import CRMDomain
import CRMJSON
import Testing

@Suite("segments, RFM, lifecycle and tag rules")
struct SegmentDomainTests {
    static func parse(_ text: String) throws -> SegmentFilter {
        try SegmentFilterParser.parse(try JSONParser.parse(text))
    }

    static func error(_ text: String) -> SegmentFilterError? {
        do {
            _ = try parse(text)
            return nil
        } catch let e as SegmentFilterError {
            return e
        } catch {
            return nil
        }
    }

    @Test("a filter parses into its tree, keyword groups expanded, money in fen")
    func parsesTree() throws {
        let f = try Self.parse(
            """
            {"and": [{"rfm": {"r": [1, 2], "m": [4]}}, {"or": [{"tags": {"any": ["蕾絲"]}}, {"not": {"channels": {"any": ["mobile"], "within_days": 90}}}]},
                     {"spend": {"min": "100.5", "within_days": 365}}, {"address": {"groups": ["finance"]}}, {"seasons": {"all": ["spring"], "min": 2}}]}
            """)
        guard case .and(let parts) = f else { Issue.record("not an and"); return }
        #expect(parts.count == 5)
        #expect(parts[0] == .condition(.rfm(r: [1, 2], f: [], m: [4])))
        #expect(parts[1] == .or([.condition(.tags(.any, ["蕾絲"])), .not(.condition(.channels([.mobile], withinDays: 90)))]))
        #expect(parts[2] == .condition(.spend(ValueRange(min: 10_050), withinDays: 365)))
        #expect(parts[3] == .condition(.address(["銀行", "證券", "信用社"])))
        #expect(parts[4] == .condition(.seasons(ValueRange(min: 2), all: [.spring], withinDays: nil)))
        #expect(f.conditions.count == 6)
    }

    @Test("errors name the bad part by JSON path, and the limits hold")
    func errors() {
        #expect(Self.error(#"{"and": [{"level": ["vip"]}, {"rfm": {"f": [7]}}]}"#)?.path == "filter.and[1].rfm.f[0]")
        #expect(Self.error(#"{"and": [{"level": ["vip"]}, {"rfm": {"f": [7]}}]}"#)?.reason == "out_of_range")
        #expect(Self.error(#"{"items": {"skus": ["A"], "colour": "red"}}"#)?.path == "filter.items.colour")
        #expect(Self.error(#"{"last_purchase": {"min_days": 30, "max_days": 10}}"#)?.path == "filter.last_purchase.min_days")
        #expect(Self.error(#"{"region": []}"#)?.reason == "bad_filter")
        #expect(Self.error(#"[]"#)?.reason == "wrong_type")
        #expect(Self.error(#"{"tags": {"any": ["a"], "all": ["b"]}}"#)?.path == "filter.tags")
        let long = String(repeating: "長", count: 101)
        #expect(Self.error(#"{"region": ["\#(long)"]}"#)?.reason == "too_long")
        var deep = #"{"region": ["x"]}"#
        for _ in 0..<8 { deep = #"{"not": \#(deep)}"# }
        #expect(Self.error(deep)?.reason == "filter_too_deep")
        let many = Array(repeating: #""x""#, count: 101).joined(separator: ",")
        #expect(Self.error(#"{"level": [\#(many)]}"#)?.reason == "filter_too_large")
        // Bands beyond the configured ones are refused.
        var bands = RFMBands()
        bands.recencyDays = [30]
        #expect(throws: SegmentFilterError.self) { try SegmentFilterParser.parse(["rfm": ["r": [3]]], rfm: bands) }
    }

    @Test("RFM bands by the playbook's defaults, at their edges")
    func rfmBands() {
        let b = RFMBands()
        #expect(b.recencyBand(daysSinceLast: nil) == 0)
        #expect(b.recencyBand(daysSinceLast: 30) == 1)
        #expect(b.recencyBand(daysSinceLast: 30.01) == 2)
        #expect(b.recencyBand(daysSinceLast: 365) == 4)
        #expect(b.recencyBand(daysSinceLast: 366) == 5)
        #expect([0, 1, 2, 3, 9].map { b.frequencyBand(purchases: $0) } == [0, 1, 2, 3, 3])
        #expect([0, 10_000, 10_001, 20_000, 30_000, 30_001].map { b.monetaryBand(spendFen: $0) } == [0, 1, 2, 2, 3, 4])
        #expect(b.recencyLabels == ["≤30d", "≤90d", "≤180d", "≤365d", ">365d"])
        #expect(b.frequencyLabels == ["1", "2", "3+"])
        #expect(b.monetaryLabels == ["≤100.00", "100.00–200.00", "200.00–300.00", ">300.00"])
        var bad = RFMBands()
        bad.monetaryFen = [300, 100]
        #expect(!bad.problems().isEmpty)
    }

    @Test("lifecycle stages, and thresholds derived from repurchase intervals")
    func lifecycle() {
        let t = LifecycleThresholds()
        #expect(t.stage(daysSinceFirst: nil, daysSinceLast: nil) == .prospect)
        #expect(t.stage(daysSinceFirst: 10, daysSinceLast: 10) == .new)
        #expect(t.stage(daysSinceFirst: 400, daysSinceLast: 90) == .active)
        #expect(t.stage(daysSinceFirst: 400, daysSinceLast: 91) == .silent)
        #expect(t.stage(daysSinceFirst: 400, daysSinceLast: 300) == .sleeping)
        #expect(t.stage(daysSinceFirst: 800, daysSinceLast: 366) == .churned)
        let d = LifecycleThresholds.derived(p50: 20, p75: 45.2, p90: 120, p95: 200)
        #expect(d == LifecycleThresholds(newDays: 30, activeDays: 46, silentDays: 120, sleepingDays: 400))
        #expect(d.problems().isEmpty)
        // Little history still gives ordered stages.
        #expect(LifecycleThresholds.derived(p50: 0, p75: 0, p90: 0, p95: 0).problems().isEmpty)
    }

    @Test("seasons, the contribution pyramid and the purchase-count groups")
    func groups() {
        #expect(
            (1...12).map { Season.of(month: $0) } == [
                .winter, .winter, .spring, .spring, .spring, .summer, .summer, .summer, .autumn, .autumn, .autumn, .winter,
            ])
        #expect(Season.inMask(Season.mask([.spring, .autumn])) == [.spring, .autumn])
        // The pyramid's thresholds are validated here and evaluated in SQL (ReportTests, OperatorProcessTests).
        var pyramid = PyramidThresholds()
        #expect(pyramid.problems().isEmpty)
        pyramid.second.averageAboveFen = 1
        pyramid.third.averageFromFen = 30_000
        pyramid.bottom.maxPurchases = 0
        #expect(
            pyramid.problems() == [
                "pyramid.second: give average_from or average_above, not both",
                "pyramid.third: the lower average bound must be below the upper one",
                "pyramid.bottom.max_purchases must be min_purchases to 100000",
            ])
        #expect(PurchaseGroup.of(inWindow: 4, ever: 9) == .threePlus)
        #expect(PurchaseGroup.of(inWindow: 0, ever: 2) == .lapsedRepeat)
        #expect(PurchaseGroup.of(inWindow: 0, ever: 1) == .lapsedOnce)
        #expect(PurchaseGroup.of(inWindow: 0, ever: 0) == .never)
    }

    @Test("the pyramid's rule places members from the top tier down, averages compared exactly")
    func pyramidRule() {
        let rule = PyramidThresholds().rule
        func tier(_ n: Int64, _ fen: Int64) -> ContributionTier { rule.place(MemberMeasures(purchasesInWindow: n, spendInWindowFen: fen)) }
        #expect(tier(3, 90_003) == .top)
        #expect(tier(3, 90_000) == .other)  // an average of exactly ¥300 is not above it
        #expect(tier(2, 60_000) == .second)
        #expect(tier(2, 40_000) == .second)
        #expect(tier(1, 20_000) == .third)
        #expect(tier(1, 9_999) == .bottom)
        #expect(tier(0, 0) == .other)
        #expect(rule.arms.map(\.result) == PyramidThresholds.ranked)
    }

    @Test("tag rules match orders by items, amount, channel, shop and address keywords")
    func tagRules() {
        var r = TagRuleMatch()
        r.item = ItemMatch(nameContains: ["蕾絲"], categories: ["lingerie"])
        r.minAmountFen = 10_000
        r.channels = [.web]
        let lace = TagRuleMatch.Item(sku: "B1", name: "蕾絲文胸", category: "lingerie")
        let other = TagRuleMatch.Item(sku: "S1", name: "蕾絲襪", category: "socks")
        #expect(r.matches(amountFen: 10_000, channel: .web, shop: "sh01", items: [other, lace], address: nil))
        #expect(!r.matches(amountFen: 10_000, channel: .web, shop: "sh01", items: [other], address: nil))  // name and category on one item
        #expect(!r.matches(amountFen: 9_999, channel: .web, shop: "sh01", items: [lace], address: nil))
        #expect(!r.matches(amountFen: 10_000, channel: .mobile, shop: "sh01", items: [lace], address: nil))
        var a = TagRuleMatch()
        a.addressContains = AddressKeywords.keywords(of: "students")!
        #expect(a.matches(amountFen: 0, channel: .web, shop: "x", items: [], address: "杭州市浙江大學"))
        #expect(!a.matches(amountFen: 0, channel: .web, shop: "x", items: [], address: nil))
        #expect(TagName.validated("  蕾絲 ") == "蕾絲")
        #expect(TagName.validated("") == nil)
        #expect(TagName.validated(String(repeating: "x", count: 65)) == nil)
    }
}
