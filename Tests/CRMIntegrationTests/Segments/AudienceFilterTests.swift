import CRMClient
import CRMDomain
import CRMProtocol
import Foundation
import Testing

/// A merchant whose every member's answer to each audience condition is known, evaluated as of
/// 2026-11-20 12:00 +08:00 (the merchant's zone; 2026 has no 29 February).
///
/// | member | e-mail | gender | birthday (age) | attributes | purchases (payment) | refunds |
/// | --- | --- | --- | --- | --- | --- | --- |
/// | A | Xiao@QQ.com | 女 | 1996-11-20 (30, today) | skin_type 敏感肌膚, size M | 2026-11-11 00:30 ¥300 alipay | ¥50 on 11-15 |
/// | B | b@163.com | M | 2000-02-29 (26) | skin_type 敏感肌肤 | 2026-10-01 ¥100 WeChat_Pay | — |
/// | C | c@foxmail.com | " Male " | 1986-05-17 (40) | concerns [敏感肌, 痘痘] | (2026-11-12 ¥500 card, wholly refunded) | ¥200 + ¥300 on 11-13 |
/// | D | — | — | — | size 38 | 2025-11-11 ¥80 alipay | — |
/// | E | e@qq.com | 保密 | 1996-11-21 (29) | skin_type 油性 | — | — |
/// | F | — | — | — | size L (web), size XL (mobile account, merged by phone) | — | — |
struct AudienceFixture {
    static let asOf = "2026-11-20T12:00:00+08:00"
    let ids: [String: String]

    func members(_ names: String) -> Set<String> { Set(names.map { ids[String($0)]! }) }

    static func order(_ id: String, _ external: String, _ amount: String, _ at: String, method: String, channel: String = "web") -> JSONValue {
        [
            "id": .string(id), "type": "order.paid", "channel": .string(channel), "occurred_at": .string(at),
            "order": [
                "order_no": .string(id.uppercased()), "member_external_id": .string(external), "amount": .string(amount), "paid_at": .string(at),
                "payment_method": .string(method), "items": [["sku": "MASK", "name": "面膜", "category": "beauty", "quantity": 1, "price": .string(amount)]],
            ],
        ]
    }

    static func refund(_ id: String, order: String, _ amount: String, _ at: String) -> JSONValue {
        [
            "id": .string(id), "type": "order.refunded", "channel": "web", "occurred_at": .string(at),
            "refund": ["order_no": .string(order), "refund_no": .string(id.uppercased()), "amount": .string(amount), "refunded_at": .string(at)],
        ]
    }

    static func load(_ admin: RPCClient) async throws -> AudienceFixture {
        let at = "2026-01-05T09:00:00+08:00"
        let people: [(String, String, JSONObject)] = [
            (
                "A", "u-a",
                ["phone": "13800000101", "email": "Xiao@QQ.com", "gender": "女", "birthday": "1996-11-20", "attributes": ["skin_type": "敏感肌膚", "size": "M"]]
            ),
            ("B", "u-b", ["phone": "13800000102", "email": "b@163.com", "gender": "M", "birthday": "2000-02-29", "attributes": ["skin_type": "敏感肌肤"]]),
            (
                "C", "u-c",
                ["phone": "13800000103", "email": "c@foxmail.com", "gender": " Male ", "birthday": "1986-05-17", "attributes": ["concerns": ["敏感肌", "痘痘"]]]
            ),
            ("D", "u-d", ["phone": "13800000104", "attributes": ["size": 38]]),
            ("E", "u-e", ["phone": "13800000105", "email": "e@qq.com", "gender": "保密", "birthday": "1996-11-21", "attributes": ["skin_type": "油性"]]),
            ("F", "u-f", ["phone": "13800000106", "attributes": ["size": "L"]]),
        ]
        var events = people.map { Events.upsert("p-" + $0.1, "web", $0.1, $0.2, at: at) }
        events.append(Events.upsert("p-f-m", "mobile", "m-f", ["phone": "13800000106", "attributes": ["size": "XL"]], at: at))
        let results = try await admin.push("sh01", events)
        for r in results where r["status"] != "applied" { throw FixtureError(detail: "\(r)") }
        var ids: [String: String] = [:]
        for (i, p) in people.enumerated() { ids[p.0] = results[i]["member_id"]!.stringValue! }
        guard results[6]["member_id"]!.stringValue! == ids["F"] else { throw FixtureError(detail: "F's accounts did not merge: \(results)") }
        let orders = try await admin.push(
            "sh01",
            [
                order("a1", "u-a", "300.00", "2026-11-11T00:30:00+08:00", method: "alipay"),
                refund("a1-r", order: "A1", "50.00", "2026-11-15T10:00:00+08:00"),
                order("b1", "u-b", "100.00", "2026-10-01T12:00:00+08:00", method: "WeChat_Pay"),
                order("c1", "u-c", "500.00", "2026-11-12T12:00:00+08:00", method: "card"),
                refund("c1-r1", order: "C1", "200.00", "2026-11-13T10:00:00+08:00"),
                refund("c1-r2", order: "C1", "300.00", "2026-11-13T11:00:00+08:00"),
                order("d1", "u-d", "80.00", "2025-11-11T12:00:00+08:00", method: "alipay"),
            ])
        for r in orders where r["status"] != "applied" { throw FixtureError(detail: "\(r)") }
        return AudienceFixture(ids: ids)
    }
}

@Suite("audience filters over the real server")
struct AudienceFilterTests {
    @Test("each profile condition selects exactly the members it should")
    func profile() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let f = try await AudienceFixture.load(admin)
            let cases: [(JSONValue, String)] = [
                (["email_domain": ["qq.com"]], "AE"), (["email_domain": ["QQ.COM", "@163.com"]], "ABE"), (["email_domain": ["foxmail.com"]], "C"),
                (["email_domain": ["mail.qq.com"]], ""),
                (["gender": ["female"]], "A"), (["gender": ["male"]], "BC"), (["gender": ["unknown"]], "DEF"), (["gender": ["female", "male"]], "ABC"),
                (["age": ["min": 30]], "AC"), (["age": ["min": 26, "max": 29]], "BE"), (["age": ["max": 100]], "ABCE"), (["age": ["min": 41]], ""),
                (["birthday": ["months": [11]]], "AE"), (["birthday": ["months": [2, 5]]], "BC"), (["birthday": ["this_month": true]], "AE"),
                (["birthday": ["days": ["11-20"]]], "A"), (["birthday": ["days": ["11-21", "05-17"]]], "CE"),
                // Born on 29 February: 28 February in 2026, and always the 29th itself.
                (["birthday": ["days": ["02-28"]]], "B"), (["birthday": ["days": ["02-29"]]], "B"), (["birthday": ["days": ["03-01"]]], ""),
                // Scripts folded, case ignored, numbers as their text, lists by element, any account of a merged member.
                (["attribute": ["name": "skin_type", "equals": "敏感肌肤"]], "AB"), (["attribute": ["name": "skin_type", "equals": "敏感肌膚"]], "AB"),
                (["attribute": ["name": "skin_type", "any": ["油性", "敏感肌"]]], "E"), (["attribute": ["name": "size", "equals": "m"]], "A"),
                (["attribute": ["name": "size", "equals": 38]], "D"), (["attribute": ["name": "size", "any": ["xl"]]], "F"),
                (["attribute": ["name": "size", "any": ["L", "M"]]], "AF"), (["attribute": ["name": "concerns", "equals": "痘痘"]], "C"),
                (["attribute": ["name": "concerns", "equals": "敏感"]], ""), (["attribute": ["name": "colour", "equals": "M"]], ""),
                (["not": ["attribute": ["name": "size", "any": ["M", "L"]]]], "BCDE"),
            ]
            for (filter, expected) in cases {
                #expect(try await admin.segmentMembers(filter, asOf: AudienceFixture.asOf) == f.members(expected), "\(filter) should select \(expected)")
            }
            // The age moves with the evaluation date: E turns 30 on 21 November.
            #expect(try await admin.segmentMembers(["age": ["min": 30]], asOf: "2026-11-21T00:00:00+08:00") == f.members("ACE"))
            #expect(try await admin.segmentMembers(["birthday": ["this_month": true]], asOf: "2026-05-01T00:00:00+08:00") == f.members("C"))
        }
    }

    @Test("returns, payment methods and fixed date periods select exactly the members they should")
    func ordersAndPeriods() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let f = try await AudienceFixture.load(admin)
            let cases: [(JSONValue, String)] = [
                (["returns": [:]], "AC"), (["returns": ["min": 2]], "C"), (["returns": ["min_amount": "100"]], "C"),
                (["returns": ["max_amount": "50"]], "ABDEF"),
                (["returns": ["min": 1, "max_amount": "50"]], "A"),
                (["returns": ["max": 0]], "BDEF"), (["returns": ["within_days": 6]], "A"),
                (["returns": ["from": "2026-11-13", "until": "2026-11-14"]], "C"), (["returns": ["min": 1, "until": "2026-11-13"]], ""),
                // A wholly refunded order is not a purchase: C never bought with a card.
                (["payment_methods": ["any": ["alipay"]]], "AD"), (["payment_methods": ["any": ["wechat_pay"]]], "B"),
                (["payment_methods": ["any": ["card"]]], ""),
                (["payment_methods": ["any": ["ALIPAY"], "within_days": 30]], "A"),
                (["payment_methods": ["any": ["alipay"], "from": "2025-11-11", "until": "2025-11-12"]], "D"),
                // Merchant's midnights: A paid at 00:30 on 11-11 local (16:30 on 11-10 UTC).
                (["purchases": ["min": 1, "from": "2026-11-11", "until": "2026-11-12"]], "A"),
                (["purchases": ["min": 1, "from": "2026-11-10", "until": "2026-11-11"]], ""),
                (["purchases": ["min": 1, "until": "2026-01-01"]], "D"), (["purchases": ["max": 0, "from": "2026-01-01"]], "CDEF"),
                // Spend is net of refunds: A's ¥300 less ¥50.
                (["spend": ["min": "250", "from": "2026-11-01"]], "A"), (["spend": ["min": "250.01", "from": "2026-11-01"]], ""),
                (["average_order": ["min": "100", "from": "2026-01-01"]], "AB"),
                (["channels": ["any": ["web"], "from": "2026-10-01", "until": "2026-11-11"]], "B"), (["shops": ["any": ["sh01"], "from": "2026-11-01"]], "A"),
                (["items": ["skus": ["MASK"], "from": "2025-01-01", "until": "2026-01-01"]], "D"),
                (["seasons": ["all": ["autumn"], "from": "2026-01-01"]], "AB"), (["seasons": ["min": 1, "until": "2026-01-01"]], "D"),
                (["and": [["email_domain": ["qq.com"]], ["purchases": ["min": 1, "from": "2026-11-11", "until": "2026-11-12"]]]], "A"),
                // Member-only parts narrow the passes over purchases and refunds; NOT stays exact.
                (["and": [["gender": ["male"]], ["returns": [:]]]], "C"),
                (["and": [["attribute": ["name": "size", "any": ["m", "38"]]], ["returns": ["max": 0]]]], "D"),
                (["not": ["returns": [:]]], "BDEF"), (["not": ["payment_methods": ["any": ["alipay"]]]], "BCEF"),
            ]
            for (filter, expected) in cases {
                #expect(try await admin.segmentMembers(filter, asOf: AudienceFixture.asOf) == f.members(expected), "\(filter) should select \(expected)")
            }
        }
    }

    @Test("expiring points take a period of the merchant's dates instead of the next days")
    func expiringPeriod() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let f = try await AudienceFixture.load(admin)
            // Points conditions are evaluated now: F buys now, so its lot expires 12 months on (the
            // fixture's lots expire in 2027-10 and 2027-11, or have expired).
            let paid = Int64(Date().timeIntervalSince1970) - 7_200
            let r = try await admin.push("sh01", [AudienceFixture.order("f1", "u-f", "100.00", CivilTime.rfc3339(paid), method: "alipay")])
            #expect(r[0]["status"] == "applied", "\(r)")
            let expires = CivilTime.addingMonths(12, to: paid, offsetMinutes: 480)
            let day: Int64 = 86_400
            let from = CivilTime.localDateText(expires - day, offsetMinutes: 480)
            let until = CivilTime.localDateText(expires + 2 * day, offsetMinutes: 480)
            #expect(try await admin.segmentMembers(["expiring_points": ["from": .string(from), "until": .string(until)]]) == f.members("F"))
            #expect(try await admin.segmentMembers(["expiring_points": ["from": .string(until)]]).isEmpty)
            #expect(try await admin.segmentMembers(["expiring_points": ["min": 1, "until": .string(until)]]).isSuperset(of: f.members("F")))
        }
    }

    @Test("an analyst filters on what the mask shows (e-mail domain, gender, attributes, returns) but not on birthdays or ages")
    func analysts() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let f = try await AudienceFixture.load(admin)
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            for (filter, expected): (JSONValue, String) in [
                (["email_domain": ["qq.com"]], "AE"), (["gender": ["male"]], "BC"), (["attribute": ["name": "size", "equals": "m"]], "A"),
                (["returns": ["min": 2]], "C"), (["payment_methods": ["any": ["alipay"]]], "AD"),
            ] {
                #expect(try await analyst.segmentMembers(filter, asOf: AudienceFixture.asOf) == f.members(expected), "\(filter)")
            }
            let sample = try await analyst.call("segment.preview", ["filter": ["email_domain": ["qq.com"]], "as_of": .string(AudienceFixture.asOf)])["sample"]!
            #expect(Set(sample.arrayValue!.compactMap { $0["email"]?.stringValue }) == ["x***@qq.com", "e***@qq.com"])
            for filter: JSONValue in [
                ["birthday": ["months": [11]]], ["birthday": ["days": ["11-20"]]], ["birthday": ["this_month": true]], ["age": ["min": 30]],
                ["or": [["gender": ["female"]], ["not": ["age": ["max": 29]]]]],
            ] {
                let error = await rpcError { try await analyst.call("segment.preview", ["filter": filter]) }
                #expect(error?.code == -32003, "\(filter)")
                #expect(error?.reason == "masked_filter", "\(filter)")
            }
            _ = try await admin.call("segment.save", ["name": "十一月壽星", "filter": ["birthday": ["months": [11]]]])
            let saved = try await analyst.call("segment.preview", ["name": "十一月壽星", "as_of": .string(AudienceFixture.asOf)])
            #expect(saved["count"] == 2)
            #expect(Set(saved["sample"]!.arrayValue!.compactMap { $0["birthday"]?.stringValue }).allSatisfy { $0.hasSuffix("-**-**") })
        }
    }
}
