import CRMClient
import CRMProtocol
import Testing

@Suite("tags over the real server")
struct TagTests {
    /// Tag names of a member, by `tag.get`, with their sources.
    static func tags(_ client: RPCClient, _ member: String) async throws -> [String: Set<String>] {
        let r = try await client.call("tag.get", ["member_id": .string(member)])
        var out: [String: Set<String>] = [:]
        for t in r["tags"]!.arrayValue! { out[t["name"]!.stringValue!] = Set(t["sources"]!.arrayValue!.map { $0["source"]!.stringValue! }) }
        return out
    }

    @Test("four ways a tag lands on a member: by hand, from profile attributes, by a rule on new orders, in bulk on a segment")
    func fourWays() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.call("tag.define", ["name": "VIP客戶", "group": "偏好", "description": "hand-picked"])
            _ = try await admin.call("tag.define", ["name": "蕾絲", "group": "偏好"])
            _ = try await admin.call("tag.define", ["name": "蕾絲粉", "group": "促銷敏感度"])
            // Attribute mapping (occupation 教師 → 教師) and the `tags` list attribute.
            _ = try await admin.call("config.set", ["name": "tags", "value": ["mappings": [["attribute": "occupation", "value": "教師", "tag": "教師"]]]])
            _ = try await admin.call("tag.rule.add", ["name": "lace", "tag": "蕾絲", "match": ["name_contains": ["蕾絲"]]])
            let f = try await SegmentFixture.load(admin)

            // By hand.
            let added = try await admin.call("tag.add", ["member_id": .string(f.ids["A"]!), "tag": "VIP客戶"])
            #expect(added["added"] == true)
            #expect(try await admin.call("tag.add", ["member_id": .string(f.ids["A"]!), "tag": "VIP客戶"])["added"] == false)
            #expect(await rpcError { try await admin.call("tag.add", ["member_id": .string(f.ids["A"]!), "tag": "未定義"]) }?.reason == "tag_not_found")

            // From attributes: the list attribute and the mapping, created as needed.
            #expect(try await Self.tags(admin, f.ids["F"]!) == ["敏感肌": ["attribute"], "教師": ["attribute"]])
            // A later profile without them takes them away again.
            _ = try await admin.push(
                "sh02",
                [
                    Events.upsert(
                        "pf-2", "web", "u-f", ["name": "孫八", "attributes": ["tags": "瑜伽,敏感肌"]],
                        at: "2026-06-21T09:00:00+08:00")
                ])
            #expect(try await Self.tags(admin, f.ids["F"]!) == ["敏感肌": ["attribute"], "瑜伽": ["attribute"]])

            // By the rule, on new orders: A (蕾絲文胸, 蕾絲睡衣 through the merged mobile account) and C; E's lace order was refunded
            // after it was tagged (the rule ran when it was paid).
            #expect(try await Self.tags(admin, f.ids["A"]!) == ["VIP客戶": ["manual"], "蕾絲": ["rule"]])
            #expect(try await Self.tags(admin, f.ids["C"]!) == ["蕾絲": ["rule"]])
            #expect(try await Self.tags(admin, f.ids["B"]!).isEmpty)
            let detail = try await admin.call("tag.get", ["member_id": .string(f.ids["A"]!)])["tags"]!.arrayValue!.first { $0["name"] == "蕾絲" }!
            #expect(detail["sources"]!.arrayValue!.count == 2)  // one per account whose orders matched
            #expect(detail["sources"]!.arrayValue!.allSatisfy { $0["rule"] == "lace" && $0["account_id"] != nil })

            // In bulk on a saved segment.
            _ = try await admin.call("segment.save", ["name": "lace-buyers", "filter": ["items": ["name_contains": ["蕾絲"], "within_days": 365]]])
            let bulk = try await admin.call("segment.tag", ["name": "lace-buyers", "tag": "蕾絲粉", "as_of": .string(SegmentFixture.asOf)])
            #expect(bulk["members"] == 2)
            #expect(bulk["added"] == 2)
            #expect(try await admin.call("segment.tag", ["name": "lace-buyers", "tag": "蕾絲粉", "as_of": .string(SegmentFixture.asOf)])["added"] == 0)
            #expect(try await Self.tags(admin, f.ids["C"]!) == ["蕾絲": ["rule"], "蕾絲粉": ["segment"]])
            // member.get lists the names.
            #expect(try await admin.member(["member_id": .string(f.ids["A"]!)])["tags"] == ["VIP客戶", "蕾絲", "蕾絲粉"])

            // Removing: one source, or all of them.
            #expect(try await admin.call("tag.remove", ["member_id": .string(f.ids["C"]!), "tag": "蕾絲粉", "source": "segment"])["removed"] == 1)
            #expect(try await admin.call("tag.remove", ["member_id": .string(f.ids["A"]!), "tag": "蕾絲"])["removed"] == 2)
            #expect(try await Self.tags(admin, f.ids["A"]!) == ["VIP客戶": ["manual"], "蕾絲粉": ["segment"]])

            // Definitions list with counts; the history records manual changes.
            let list = try await admin.call("tag.list", ["group": "偏好"])["tags"]!.arrayValue!
            #expect(list.map { $0["name"]!.stringValue! } == ["VIP客戶", "蕾絲"])
            #expect(list[0]["members"] == 1)
            let history = try await admin.call("member.history", ["member_id": .string(f.ids["A"]!)])["entries"]!.arrayValue!
            #expect(history.contains { $0["action"] == "tag_added" })
            #expect(history.contains { $0["action"] == "tag_removed" })

            // Roles: an analyst reads tags but may not change them.
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            #expect(try await Self.tags(analyst, f.ids["F"]!).count == 2)
            #expect(await rpcError { try await analyst.call("tag.add", ["member_id": .string(f.ids["A"]!), "tag": "VIP客戶"]) }?.reason == "role_forbidden")
            await analyst.close()
        }
    }

    @Test("a rule added later is back-filled over past orders in batches with progress; address-keyword groups work as rules")
    func backfill() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let f = try await SegmentFixture.load(admin)
            _ = try await admin.call("tag.define", ["name": "高客單"])
            _ = try await admin.call("tag.define", ["name": "白領", "group": "職業"])
            _ = try await admin.call("tag.define", ["name": "同城", "group": "地區"])
            _ = try await admin.call("tag.rule.add", ["name": "big", "tag": "高客單", "match": ["min_amount": "400", "channels": ["web", "mobile"]]])
            _ = try await admin.call("tag.rule.add", ["name": "white-collar", "tag": "白領", "match": ["address_groups": ["white_collar"]]])
            _ = try await admin.call("tag.rule.add", ["name": "hangzhou", "tag": "同城", "match": ["address_contains": ["杭州"], "shops": ["sh01"]]])
            // Nothing yet: rules apply to new orders; past ones wait for a back-fill.
            #expect(try await Self.tags(admin, f.ids["A"]!).isEmpty)
            var batches: [JSONValue] = []
            for _ in 0..<20 {
                let b = try await admin.call("tag.rule.backfill", ["name": "big", "limit": 5])
                batches.append(b)
                if b["done"] == true { break }
            }
            #expect(batches.count == 3)  // 13 orders in batches of 5
            #expect(batches.map { $0["orders"]!.int64Value! } == [5, 5, 3])
            #expect(batches.last!["through"] == batches.last!["last_order"])
            #expect(batches.reduce(0) { $0 + $1["tagged"]!.int64Value! } == 2)  // A (web and mobile accounts: ¥800, ¥400, ¥500)
            #expect(try await Self.tags(admin, f.ids["A"]!) == ["高客單": ["rule"]])
            // Resumable and idempotent: running it again finds nothing new.
            #expect(try await admin.call("tag.rule.backfill", ["name": "big"])["orders"] == 0)
            for rule in ["white-collar", "hangzhou"] { _ = try await admin.call("tag.rule.backfill", ["name": .string(rule), "limit": 1000]) }
            #expect(try await Self.tags(admin, f.ids["B"]!) == ["白領": ["rule"]])
            #expect(try await Self.tags(admin, f.ids["C"]!) == ["同城": ["rule"]])
            #expect(try await Self.tags(admin, f.ids["A"]!) == ["高客單": ["rule"], "白領": ["rule"], "同城": ["rule"]])
            // New orders are tagged as they arrive; a disabled rule no longer tags.
            _ = try await admin.call("tag.rule.disable", ["name": "white-collar"])
            _ = try await admin.push("sh02", [SegmentFixture.order("g2", "web", "G2", "u-g", "450.00", "2026-06-25", items: [("X", "大衣", "outerwear")])])
            #expect(try await Self.tags(admin, f.ids["G"]!) == ["高客單": ["rule"]])
            let rules = try await admin.call("tag.rule.list", ["include_disabled": true])["rules"]!.arrayValue!
            #expect(rules.count == 3)
            #expect(rules.first { $0["name"] == "white-collar" }!["disabled_at"] != .null)
            #expect(
                await rpcError { try await admin.call("tag.rule.add", ["name": "bad", "tag": "白領", "match": ["address_groups": ["pilots"]]]) }?.field
                    == "match.address_groups[0]")
            #expect(await rpcError { try await admin.call("tag.rule.add", ["name": "empty", "tag": "白領", "match": [:]]) }?.field == "match")
        }
    }

    @Test("tags follow merges; an unmerge gives back the tags of the restored member's own accounts and orders, manual ones stay")
    func merges() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.call("tag.define", ["name": "蕾絲"])
            _ = try await admin.call("tag.define", ["name": "VIP客戶"])
            _ = try await admin.call("tag.rule.add", ["name": "lace", "tag": "蕾絲", "match": ["name_contains": ["蕾絲"]]])
            // Two people, then an operator merges them.
            let x = try await admin.push("sh01", [Events.upsert("x", "web", "u-x", ["name": "甲", "attributes": ["tags": ["油性肌膚"]]])])[0]["member_id"]!
            let y = try await admin.push("sh02", [Events.upsert("y", "mobile", "u-y", ["name": "乙"])])[0]["member_id"]!
            _ = try await admin.push("sh02", [SegmentFixture.order("y1", "mobile", "Y1", "u-y", "99.00", "2026-06-01", items: [("L", "蕾絲內衣", "lingerie")])])
            _ = try await admin.call("tag.add", ["member_id": y, "tag": "VIP客戶"])
            let merged = try await admin.call("member.merge", ["member_id": x, "other_member_id": y, "reason": "same person"])
            #expect(merged["member_id"] == x)
            #expect(try await Self.tags(admin, x.stringValue!) == ["油性肌膚": ["attribute"], "蕾絲": ["rule"], "VIP客戶": ["manual"]])
            // Asking for the merged member answers with the survivor's tags.
            #expect(try await Self.tags(admin, y.stringValue!).count == 3)
            _ = try await admin.call("member.unmerge", ["member_id": y, "reason": "not the same"])
            #expect(try await Self.tags(admin, y.stringValue!) == ["蕾絲": ["rule"]])
            #expect(try await Self.tags(admin, x.stringValue!) == ["油性肌膚": ["attribute"], "VIP客戶": ["manual"]])
        }
    }
}
