import CRMClient
import CRMProtocol

/// A small merchant whose every member sits in a known place of every measure, evaluated as of
/// `SegmentFixture.asOf` (2026-07-01 00:00 +08:00); see docs/segments.md for the rules.
///
/// | member | orders (purchases; ✗ refunded) | where |
/// | --- | --- | --- |
/// | A 王小明 | web 2026-06-20 ¥350 蕾絲文胸, web 2026-03-15 ¥400, mobile (second account, merged by phone) 2025-12-20 ¥500 蕾絲睡衣, web 2025-08-10 ¥100, web 2024-06-01 ¥800 | 杭州 大廈, senior |
/// | B 李四 | sh02 web 2026-05-01 ¥250 真絲襯衫, 2026-04-20 ¥250 | 上海 銀行大樓 |
/// | C 張三 | group_buy 2026-06-15 ¥150 蕾絲內褲 | 杭州 大學, registered 2026-06-10 |
/// | D 趙六 | web 2025-03-01 ¥80, 2024-11-01 ¥60 | 北京 |
/// | E 錢七 | sh02 mobile 2025-10-01 ¥50; ✗ 2026-06-01 ¥200 | 廣州 |
/// | F 孫八 | none; attributes tags 敏感肌, occupation 教師 | registered 2026-06-20 |
/// | G 周九 | sh02 web 2024-12-01 ¥120 | |
struct SegmentFixture {
    static let asOf = "2026-07-01T00:00:00+08:00"
    let ids: [String: String]

    /// The member ids of some fixture members, as a set.
    func members(_ names: String) -> Set<String> { Set(names.map { ids[String($0)]! }) }

    static func order(
        _ id: String, _ channel: String, _ no: String, _ member: String, _ amount: String, _ at: String,
        items: [(sku: String, name: String, category: String)]
    ) -> JSONValue {
        let stamp = at + "T12:00:00+08:00"
        return [
            "id": .string(id), "type": "order.paid", "channel": .string(channel), "occurred_at": .string(stamp),
            "order": [
                "order_no": .string(no), "member_external_id": .string(member), "amount": .string(amount), "paid_at": .string(stamp),
                "items": .array(
                    items.enumerated().map { i, it in
                        [
                            "sku": .string(it.sku), "name": .string(it.name), "category": .string(it.category), "quantity": 1,
                            "price": .string(i == 0 ? amount : "0"),
                        ]
                    }),
            ],
        ]
    }

    static func person(
        _ id: String, _ channel: String, _ external: String, name: String, phone: String, region: String?, address: String?,
        registered: String, extra: JSONObject = [:]
    ) -> JSONValue {
        var m: JSONObject = ["name": .string(name), "phone": .string(phone), "registered_at": .string(registered + "T09:00:00+08:00")]
        if let region { m["region"] = .string(region) }
        if let address { m["address"] = .string(address) }
        for (k, v) in extra { m[k] = v }
        return Events.upsert(id, channel, external, m, at: registered + "T09:00:00+08:00")
    }

    /// Pushes the fixture through `admin` (which must have created sh01 and sh02). Tag rules and the
    /// `tags` setting in force when it runs apply to it.
    static func load(_ admin: RPCClient) async throws -> SegmentFixture {
        var ids: [String: String] = [:]
        func applied(_ results: [JSONValue]) throws -> [String] {
            for r in results where r["status"] != "applied" { throw FixtureError(detail: "\(r)") }
            return results.map { $0["member_id"]!.stringValue! }
        }
        let sh01 = try applied(
            try await admin.push(
                "sh01",
                [
                    person("pa", "web", "u-a", name: "王小明", phone: "13800138001", region: "浙江 杭州", address: "浙江省杭州市西湖區文三路華星大廈1201", registered: "2024-01-10"),
                    person("pa-m", "mobile", "m-a", name: "王小明", phone: "13800138001", region: nil, address: nil, registered: "2025-12-01"),
                    person("pc", "group_buy", "g-c", name: "張三", phone: "13700137003", region: "浙江 杭州", address: "浙江省杭州市浙江大學紫金港校區", registered: "2026-06-10"),
                    person("pd", "web", "u-d", name: "趙六", phone: "13600136004", region: "北京", address: "北京市朝陽區建國路88號", registered: "2023-03-01"),
                ]))
        ids["A"] = sh01[0]
        ids["C"] = sh01[2]
        ids["D"] = sh01[3]
        let sh02 = try applied(
            try await admin.push(
                "sh02",
                [
                    person("pb", "web", "u-b", name: "李四", phone: "13900139002", region: "上海", address: "上海市浦東新區陸家嘴中國銀行大樓", registered: "2025-05-01"),
                    person("pe", "mobile", "m-e", name: "錢七", phone: "13500135005", region: "廣東 廣州", address: nil, registered: "2025-09-01"),
                    person(
                        "pf", "web", "u-f", name: "孫八", phone: "13400134006", region: "江蘇 南京", address: nil, registered: "2026-06-20",
                        extra: ["attributes": ["tags": ["敏感肌"]], "occupation": "教師"]),
                    person("pg", "web", "u-g", name: "周九", phone: "13300133007", region: nil, address: nil, registered: "2024-11-01"),
                ]))
        ids["B"] = sh02[0]
        ids["E"] = sh02[1]
        ids["F"] = sh02[2]
        ids["G"] = sh02[3]
        _ = try applied(
            try await admin.push(
                "sh01",
                [
                    order("a5", "web", "A5", "u-a", "800.00", "2024-06-01", items: [("COAT-W", "羊毛大衣", "outerwear")]),
                    order("a4", "web", "A4", "u-a", "100.00", "2025-08-10", items: [("SOCK-3", "棉襪三雙", "socks")]),
                    order("a3", "mobile", "A3", "m-a", "500.00", "2025-12-20", items: [("SLEEP-LACE", "蕾絲睡衣", "sleepwear")]),
                    order("a2", "web", "A2", "u-a", "400.00", "2026-03-15", items: [("PANTY-C", "棉質內褲", "underwear")]),
                    order("a1", "web", "A1", "u-a", "350.00", "2026-06-20", items: [("BRA-LACE-75B", "蕾絲深V聚攏文胸", "lingerie"), ("GIFT", "贈品", "gift")]),
                    order("c1", "group_buy", "C1", "g-c", "150.00", "2026-06-15", items: [("PANTY-LACE", "蕾絲內褲", "lingerie")]),
                    order("d2", "web", "D2", "u-d", "60.00", "2024-11-01", items: [("SOCK-1", "棉襪", "socks")]),
                    order("d1", "web", "D1", "u-d", "80.00", "2025-03-01", items: [("SOCK-2", "棉襪兩雙", "socks")]),
                ]))
        _ = try applied(
            try await admin.push(
                "sh02",
                [
                    order("b2", "web", "B2", "u-b", "250.00", "2026-04-20", items: [("SHIRT-SILK", "真絲襯衫", "tops")]),
                    order("b1", "web", "B1", "u-b", "250.00", "2026-05-01", items: [("SHIRT-SILK", "真絲襯衫", "tops")]),
                    order("e1", "mobile", "E1", "m-e", "50.00", "2025-10-01", items: [("MASK", "面膜", "beauty")]),
                    order("e2", "mobile", "E2", "m-e", "200.00", "2026-06-01", items: [("BRA-LACE-80C", "蕾絲文胸", "lingerie")]),
                    Events.refunded("e2-r", "mobile", order: "E2", refund: "RE2", amount: "200.00"),
                    order("g1", "web", "G1", "u-g", "120.00", "2024-12-01", items: [("HAT", "帽子", "accessories")]),
                ]))
        return SegmentFixture(ids: ids)
    }
}

struct FixtureError: Error {
    let detail: String
}

extension RPCClient {
    /// The member ids a filter selects (as of the fixture's time), by a preview with the full sample.
    func segmentMembers(_ filter: JSONValue, asOf: String = SegmentFixture.asOf) async throws -> Set<String> {
        let r = try await call("segment.preview", ["filter": filter, "sample": 100, "as_of": .string(asOf)])
        let sample = Set(r["sample"]!.arrayValue!.map { $0["member_id"]!.stringValue! })
        precondition(Int64(sample.count) == r["count"]!.int64Value!, "the sample holds every member of a small segment")
        return sample
    }
}
