import CRMClient
import CRMProtocol
import Testing

@Suite("segments over the real server")
struct SegmentTests {
    @Test("every filter field selects exactly the members it should")
    func everyField() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.call("tag.define", ["name": "蕾絲"])
            _ = try await admin.call("tag.define", ["name": "VIP客戶"])
            _ = try await admin.call("tag.rule.add", ["name": "lace", "tag": "蕾絲", "match": ["name_contains": ["蕾絲"]]])
            let f = try await SegmentFixture.load(admin)
            _ = try await admin.call("tag.add", ["member_id": .string(f.ids["A"]!), "tag": "VIP客戶"])
            _ = try await admin.call("tag.remove", ["member_id": .string(f.ids["E"]!), "tag": "蕾絲"])  // tagged before its refund
            let cases: [(JSONValue, String)] = [
                (["rfm": ["r": [1]]], "AC"), (["rfm": ["r": [2]]], "B"), (["rfm": ["r": [4]]], "E"), (["rfm": ["r": [5]]], "DG"), (["rfm": ["r": [0]]], "F"),
                (["rfm": ["f": [3]]], "A"), (["rfm": ["f": [0]]], "DFG"), (["rfm": ["m": [4]]], "AB"), (["rfm": ["m": [2]]], "C"), (["rfm": ["m": [1]]], "E"),
                (["rfm": ["r": [1], "m": [4]]], "A"),
                (["purchases": ["min": 2, "within_days": 365]], "AB"), (["purchases": ["min": 2]], "ABD"),
                (["purchases": ["max": 0, "within_days": 365]], "DFG"),
                (["spend": ["min": "400", "within_days": 365]], "AB"), (["spend": ["max": "100", "within_days": 365]], "DEFG"),
                (["spend": ["min": "2000"]], "A"),
                (["last_purchase": ["max_days": 30]], "AC"), (["last_purchase": ["min_days": 400]], "DG"),
                (["average_order": ["min": "300", "within_days": 365]], "A"), (["average_order": ["min": "100", "max": "260"]], "BCG"),
                (["level": ["senior"]], "A"), (["level": ["regular"]], "BCDEFG"),
                (["tags": ["any": ["蕾絲"]]], "AC"), (["tags": ["all": ["蕾絲", "VIP客戶"]]], "A"), (["tags": ["none": ["蕾絲"]]], "BDEFG"),
                (["channels": ["any": ["mobile"], "within_days": 365]], "AE"), (["channels": ["any": ["group_buy"]]], "C"),
                (["shops": ["any": ["sh02"]]], "BEG"), (["shops": ["any": ["sh01"], "within_days": 30]], "AC"),
                (["items": ["name_contains": ["蕾絲"]]], "AC"), (["items": ["skus": ["SHIRT-SILK"]]], "B"),
                (["items": ["categories": ["lingerie"], "within_days": 30]], "AC"), (["items": ["categories": ["socks"], "name_contains": ["兩雙"]]], "D"),
                (["region": ["杭州"]], "AC"), (["region": ["上海", "北京"]], "BD"),
                (["address": ["groups": ["finance"]]], "B"), (["address": ["keywords": ["大學"]]], "C"), (["address": ["groups": ["white_collar"]]], "AB"),
                (["address": ["groups": ["students"], "keywords": ["建國路"]]], "CD"),
                (["registered": ["from": "2026-01-01"]], "CF"), (["registered": ["until": "2024-01-01"]], "D"),
                (["registered": ["from": "2024-01-01", "until": "2025-06-01"]], "ABG"),
                (["lifecycle": ["active"]], "AB"), (["lifecycle": ["new"]], "C"), (["lifecycle": ["sleeping"]], "E"), (["lifecycle": ["churned"]], "DG"),
                (["lifecycle": ["prospect"]], "F"), (["lifecycle": ["silent"]], ""),
                (["seasons": ["min": 3, "within_days": 365]], "A"), (["seasons": ["all": ["spring"], "within_days": 365]], "AB"),
                (["seasons": ["max": 1, "within_days": 365]], "BCDEFG"), (["seasons": ["all": ["winter", "summer"]]], "A"),
            ]
            for (filter, expected) in cases {
                let got = try await admin.segmentMembers(filter)
                #expect(got == f.members(expected), "\(filter) should select \(expected)")
            }
        }
    }

    @Test("AND, OR, NOT and their nesting combine conditions exactly")
    func combinations() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.call("tag.define", ["name": "蕾絲"])
            _ = try await admin.call("tag.rule.add", ["name": "lace", "tag": "蕾絲", "match": ["name_contains": ["蕾絲"], "min_amount": "100"]])
            let f = try await SegmentFixture.load(admin)
            let cases: [(JSONValue, String)] = [
                (["and": [["tags": ["any": ["蕾絲"]]], ["not": ["channels": ["any": ["group_buy"]]]]]], "AE"),
                (["or": [["region": ["上海"]], ["lifecycle": ["new"]]]], "BC"),
                (["not": ["rfm": ["r": [0]]]], "ABCDEG"),
                (["not": ["not": ["region": ["杭州"]]]], "AC"),
                (["or": [["and": [["rfm": ["r": [1, 2]]], ["spend": ["min": "300", "within_days": 365]]]], ["not": ["purchases": ["min": 1]]]]], "ABF"),
                (
                    ["and": [["or": [["shops": ["any": ["sh02"]]], ["channels": ["any": ["group_buy"]]]]], ["not": ["lifecycle": ["churned", "prospect"]]]]],
                    "BCE"
                ),
                (["and": [["region": ["杭州"]]]], "AC"),
                // A NOT over a member without orders or region is still exact (NULLs never leak).
                (["not": ["region": ["杭州"]]], "BDEFG"), (["not": ["items": ["name_contains": ["蕾絲"]]]], "BDEFG"),
            ]
            for (filter, expected) in cases {
                #expect(try await admin.segmentMembers(filter) == f.members(expected), "\(filter) should select \(expected)")
            }
        }
    }

    @Test("a malformed filter is refused with the JSON path of its bad part")
    func errors() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            var deep: JSONValue = ["region": ["杭州"]]
            for _ in 0..<9 { deep = ["not": deep] }
            var wide: [JSONValue] = []
            for _ in 0..<201 { wide.append(["region": ["x"]]) }
            let cases: [(JSONValue, String, String)] = [
                (["and": [["region": ["杭州"]], ["rfm": ["r": [9]]]]], "filter.and[1].rfm.r[0]", "out_of_range"),
                (["colour": ["red"]], "filter.colour", "unknown_field"),
                (["or": []], "filter.or", "bad_filter"),
                (["tags": ["some": ["x"]]], "filter.tags.some", "unknown_field"),
                (["items": ["skus": "X"]], "filter.items.skus", "wrong_type"),
                (["channels": ["any": ["fax"]]], "filter.channels.any[0]", "bad_filter"),
                (["spend": ["min": "1.234"]], "filter.spend.min", "out_of_range"),
                (["registered": ["from": "2026-02-30"]], "filter.registered.from", "bad_filter"),
                (["lifecycle": ["asleep"]], "filter.lifecycle[0]", "bad_filter"),
                (["not": ["region": ["杭州"], "level": ["vip"]]], "filter.not", "bad_filter"),
                (["purchases": ["within_days": 30]], "filter.purchases", "bad_filter"),
                (deep, "filter" + String(repeating: ".not", count: 8), "filter_too_deep"),
                (["or": .array(wide)], "filter.or[199]", "filter_too_large"),
            ]
            for (filter, path, reason) in cases {
                let e = await rpcError { try await admin.call("segment.preview", ["filter": filter]) }
                #expect(e?.code == -32602)
                #expect(e?.field == path, "\(filter)")
                #expect(e?.reason.rawValue == reason, "\(filter)")
            }
            // Saving validates too; nothing is saved.
            #expect(await rpcError { try await admin.call("segment.save", ["name": "bad", "filter": ["rfm": [:]]]) }?.field == "filter.rfm")
            #expect(try await admin.call("segment.list", [:])["segments"] == [])
        }
    }

    @Test("saved segments: preview, export page by page from a snapshot, personal data masked for analysts")
    func savedExportAndMasking() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let f = try await SegmentFixture.load(admin)
            let filter: JSONValue = ["not": ["lifecycle": ["prospect"]]]
            let saved = try await admin.call("segment.save", ["name": "buyers", "description": "bought at least once", "filter": filter])
            #expect(saved["segment"]?["filter"] == filter)
            #expect(try await admin.call("segment.get", ["name": "buyers"])["segment"]?["description"] == "bought at least once")
            let preview = try await admin.call("segment.preview", ["name": "buyers", "sample": 2, "as_of": .string(SegmentFixture.asOf)])
            #expect(preview["count"] == 6)
            #expect(preview["sample"]?.arrayValue?.count == 2)
            #expect(preview["sample"]?.arrayValue?.first?["phone"] == "+8613800138001")

            // Export in pages of 4: a snapshot, so a member arriving meanwhile does not shift the pages.
            var rows: [JSONValue] = []
            var page = try await admin.call("segment.export", ["name": "buyers", "limit": 4, "as_of": .string(SegmentFixture.asOf)])
            #expect(page["total"] == 6)
            rows += page["members"]!.arrayValue!
            _ = try await admin.push("sh01", [SegmentFixture.order("n1", "web", "N1", "u-new", "10.00", "2026-06-01", items: [("X", "x", "x")])])
            while let cursor = page["next_cursor"], cursor != .null {
                page = try await admin.call("segment.export", ["cursor": cursor, "limit": 4])
                rows += page["members"]!.arrayValue!
            }
            #expect(Set(rows.map { $0["member_id"]!.stringValue! }) == f.members("ABCDEG"))
            #expect(rows.count == 6)
            let a = rows.first { $0["member_id"]!.stringValue! == f.ids["A"]! }!
            #expect(a["name"] == "王小明")
            #expect(a["level"] == "senior")
            #expect(await rpcError { try await admin.call("segment.export", ["cursor": "nonsense"]) }?.reason == "bad_cursor")

            // The analyst: reads and exports, masked; may not save, delete or tag.
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            let masked = try await analyst.call("segment.preview", ["name": "buyers", "sample": 100, "as_of": .string(SegmentFixture.asOf)])
            let ma = masked["sample"]!.arrayValue!.first { $0["member_id"]!.stringValue! == f.ids["A"]! }!
            #expect(ma["phone"] == "138****8001")
            #expect(ma["name"] == "王**")
            let exported = try await analyst.call("segment.export", ["name": "buyers", "limit": 100, "as_of": .string(SegmentFixture.asOf)])["members"]!
                .arrayValue!
            let ea = exported.first { $0["member_id"]!.stringValue! == f.ids["A"]! }!
            #expect(ea["phone"] == "138****8001")
            #expect(ea["name"] == "王**")
            #expect(ea["address"] == "浙江省杭州市****")
            #expect(exported.allSatisfy { $0["phone"]?.stringValue?.contains("****") ?? true })
            #expect(await rpcError { try await analyst.call("segment.save", ["name": "x", "filter": filter]) }?.reason == "role_forbidden")
            #expect(await rpcError { try await analyst.call("segment.delete", ["name": "buyers"]) }?.reason == "role_forbidden")
            await analyst.close()

            _ = try await admin.call("segment.delete", ["name": "buyers"])
            #expect(await rpcError { try await admin.call("segment.get", ["name": "buyers"]) }?.reason == "segment_not_found")
        }
    }

    @Test("points balance and expiring points, evaluated now")
    func pointsConditions() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let rich = try await admin.paid("p1", order: "P1", member: "u-rich", amount: "100.00", at: When.at(days: -5))
            _ = try await admin.adjust(rich, 5_000, key: "rich")
            let soon = try await admin.paid("p2", order: "P2", member: "u-soon", amount: "300.00", at: When.at(days: -350))
            let later = try await admin.paid("p3", order: "P3", member: "u-later", amount: "300.00", at: When.at(days: -100))
            func ids(_ filter: JSONValue) async throws -> Set<String> {
                let r = try await admin.call("segment.preview", ["filter": filter, "sample": 100])
                return Set(r["sample"]!.arrayValue!.map { $0["member_id"]!.stringValue! })
            }
            #expect(try await ids(["points": ["min": 1000]]) == [rich.stringValue!])
            #expect(try await ids(["points": ["min": 200, "max": 400]]) == [soon.stringValue!, later.stringValue!])
            #expect(try await ids(["expiring_points": ["within_days": 30]]) == [soon.stringValue!])
            #expect(try await ids(["expiring_points": ["within_days": 300, "min": 300]]) == [soon.stringValue!, later.stringValue!])
            _ = try await admin.redeem(soon, 300, key: "spent")
            #expect(try await ids(["expiring_points": ["within_days": 30]]).isEmpty)
        }
    }
}
