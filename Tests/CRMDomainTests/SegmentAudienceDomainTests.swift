import CRMDomain
import CRMJSON
import Testing

@Suite("segments: audience conditions and date periods")
struct SegmentAudienceDomainTests {
    static func parse(_ text: String) throws -> SegmentCondition {
        guard case .condition(let c) = try SegmentFilterParser.parse(try JSONParser.parse(text)) else { throw FilterShape() }
        return c
    }

    struct FilterShape: Error {}

    static func error(_ text: String) -> SegmentFilterError? {
        do {
            _ = try SegmentFilterParser.parse(try JSONParser.parse(text))
            return nil
        } catch let e as SegmentFilterError {
            return e
        } catch {
            return nil
        }
    }

    @Test("profile conditions parse to their values, normalised as stored values are")
    func profile() throws {
        #expect(try Self.parse(#"{"email_domain": [" QQ.com", "@163.COM"]}"#) == .emailDomain(["qq.com", "163.com"]))
        #expect(try Self.parse(#"{"gender": ["female", "unknown"]}"#) == .gender([.female, .unknown]))
        #expect(try Self.parse(#"{"age": {"min": 25, "max": 34}}"#) == .age(ValueRange(min: 25, max: 34)))
        #expect(try Self.parse(#"{"birthday": {"months": [11, 12]}}"#) == .birthday(.months([11, 12])))
        #expect(try Self.parse(#"{"birthday": {"days": ["02-29", "11-27"]}}"#) == .birthday(.days([.init(month: 2, day: 29), .init(month: 11, day: 27)])))
        #expect(try Self.parse(#"{"birthday": {"this_month": true}}"#) == .birthday(.thisMonth))
        #expect(try Self.parse(#"{"attribute": {"name": "skin_type", "equals": "乾性"}}"#) == .attribute(name: "skin_type", values: ["乾性"]))
        #expect(try Self.parse(#"{"attribute": {"name": "size", "any": ["M", 38, true]}}"#) == .attribute(name: "size", values: ["M", "38", "true"]))
    }

    @Test("returns and payment methods take a window or a period; returns alone means at least one")
    func ordersAndRefunds() throws {
        #expect(try Self.parse(#"{"returns": {}}"#) == .returns(count: ValueRange(min: 1), amount: ValueRange(), withinDays: nil))
        #expect(
            try Self.parse(#"{"returns": {"min_amount": "100", "within_days": 90}}"#)
                == .returns(count: ValueRange(), amount: ValueRange(min: 10_000), withinDays: 90))
        #expect(
            try Self.parse(#"{"returns": {"max": 0, "from": "2026-11-01"}}"#)
                == .returns(count: ValueRange(max: 0), amount: ValueRange(), withinDays: nil, period: DatePeriod(from: "2026-11-01")))
        #expect(try Self.parse(#"{"payment_methods": {"any": ["Alipay"]}}"#) == .paymentMethods(["alipay"], withinDays: nil))
    }

    @Test("from / until work wherever within_days does, never together with it")
    func periods() throws {
        let p = DatePeriod(from: "2026-11-11", until: "2026-11-12")
        let dates = #""from": "2026-11-11", "until": "2026-11-12""#
        #expect(try Self.parse(#"{"purchases": {"min": 1, \#(dates)}}"#) == .purchases(ValueRange(min: 1), withinDays: nil, period: p))
        #expect(try Self.parse(#"{"spend": {"min": "299", \#(dates)}}"#) == .spend(ValueRange(min: 29_900), withinDays: nil, period: p))
        #expect(try Self.parse(#"{"average_order": {"min": "1", \#(dates)}}"#) == .averageOrder(ValueRange(min: 100), withinDays: nil, period: p))
        #expect(try Self.parse(#"{"channels": {"any": ["web"], \#(dates)}}"#) == .channels([.web], withinDays: nil, period: p))
        #expect(try Self.parse(#"{"shops": {"any": ["sh01"], \#(dates)}}"#) == .shops(["sh01"], withinDays: nil, period: p))
        #expect(try Self.parse(#"{"items": {"skus": ["X"], \#(dates)}}"#) == .items(ItemMatch(skus: ["X"]), withinDays: nil, period: p))
        #expect(try Self.parse(#"{"seasons": {"min": 1, \#(dates)}}"#) == .seasons(ValueRange(min: 1), all: [], withinDays: nil, period: p))
        #expect(try Self.parse(#"{"expiring_points": {\#(dates)}}"#) == .expiringPoints(ValueRange(min: 1), withinDays: 0, period: p))
        #expect(
            try Self.parse(#"{"purchases": {"min": 1, "until": "2026-01-01"}}"#)
                == .purchases(ValueRange(min: 1), withinDays: nil, period: DatePeriod(until: "2026-01-01")))
        // Without a period nothing changes.
        #expect(try Self.parse(#"{"purchases": {"min": 1, "within_days": 30}}"#) == .purchases(ValueRange(min: 1), withinDays: 30))
    }

    @Test("bad audience filters are refused with the path of the bad part")
    func errors() {
        let cases: [(String, String, String)] = [
            (#"{"email_domain": ["qq"]}"#, "filter.email_domain[0]", "bad_filter"),
            (#"{"email_domain": ["a@qq.com"]}"#, "filter.email_domain[0]", "bad_filter"),
            (#"{"gender": ["女"]}"#, "filter.gender[0]", "bad_filter"),
            (#"{"age": {"min": 200}}"#, "filter.age.min", "out_of_range"),
            (#"{"age": {}}"#, "filter.age", "bad_filter"),
            (#"{"birthday": {"months": [13]}}"#, "filter.birthday.months[0]", "out_of_range"),
            (#"{"birthday": {"days": ["02-30"]}}"#, "filter.birthday.days[0]", "bad_filter"),
            (#"{"birthday": {"days": ["5-17"]}}"#, "filter.birthday.days[0]", "bad_filter"),
            (#"{"birthday": {"months": [1], "this_month": true}}"#, "filter.birthday", "bad_filter"),
            (#"{"birthday": {"this_month": false}}"#, "filter.birthday.this_month", "bad_filter"),
            (#"{"attribute": {"equals": "x"}}"#, "filter.attribute.name", "bad_filter"),
            (#"{"attribute": {"name": "a", "equals": "x", "any": ["y"]}}"#, "filter.attribute", "bad_filter"),
            (#"{"attribute": {"name": "a", "any": [{"x": 1}]}}"#, "filter.attribute.any[0]", "wrong_type"),
            (#"{"returns": {"min_amount": "-1"}}"#, "filter.returns.min_amount", "out_of_range"),
            (#"{"returns": {"within_days": 30, "from": "2026-01-01"}}"#, "filter.returns.within_days", "bad_filter"),
            (#"{"purchases": {"min": 1, "from": "2026-02-01", "until": "2026-01-01"}}"#, "filter.purchases.until", "out_of_range"),
            (#"{"spend": {"min": "1", "from": "2026-2-1"}}"#, "filter.spend.from", "bad_filter"),
            (#"{"payment_methods": {"any": []}}"#, "filter.payment_methods.any", "bad_filter"),
            (#"{"expiring_points": {"min": 1}}"#, "filter.expiring_points.within_days", "missing_field"),
        ]
        for (text, path, reason) in cases {
            let e = Self.error(text)
            #expect(e?.path == path, "\(text): \(String(describing: e))")
            #expect(e?.reason.rawValue == reason, "\(text): \(String(describing: e))")
        }
    }

    @Test("gender texts as channels push them read as female, male or unknown")
    func genderReading() {
        for t in ["女", "F", " female ", "2", "女士"] { #expect(Gender(reading: t) == .female, "\(t)") }
        for t in ["男", "M", "Male", "1", "男性"] { #expect(Gender(reading: t) == .male, "\(t)") }
        for t in [nil, "", "保密", "x"] { #expect(Gender(reading: t) == .unknown, "\(String(describing: t))") }
    }

    @Test("only the birthday, age and address are closed to masked roles' own filters")
    func maskedData() throws {
        for t in [#"{"birthday": {"months": [5]}}"#, #"{"age": {"min": 20}}"#, #"{"address": {"keywords": ["路"]}}"#] {
            #expect(try Self.parse(t).testsMaskedData, "\(t)")
        }
        for t in [
            #"{"email_domain": ["qq.com"]}"#, #"{"gender": ["male"]}"#, #"{"attribute": {"name": "size", "equals": "M"}}"#, #"{"returns": {}}"#,
            #"{"region": ["杭州"]}"#,
        ] {
            #expect(try !Self.parse(t).testsMaskedData, "\(t)")
        }
    }
}
