import CRMClient
import CRMPostgres
import CRMProtocol
import CRMStorage
import Testing

/// Mainland shops write Simplified Chinese, others Traditional: rules, groups and filters written in
/// one script match text in the other.
@Suite("script folding")
struct ScriptFoldingTests {
    static let paidAt = "2026-03-02T12:00:00+08:00"

    static func order(_ id: String, member: String, item: String, category: String) -> JSONValue {
        [
            "id": .string(id), "type": "order.paid", "channel": "web", "occurred_at": .string(paidAt),
            "order": [
                "order_no": .string(id), "member_external_id": .string(member), "amount": "199.00", "paid_at": .string(paidAt),
                "items": [["sku": "BRA-1", "name": .string(item), "category": .string(category), "price": "199.00"]],
            ],
        ]
    }

    static func tagNames(_ admin: RPCClient, _ member: JSONValue) async throws -> [String] {
        try await admin.call("tag.get", ["member_id": member])["tags"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
    }

    @Test("a rule and filters in Traditional match Simplified items and addresses, and the other way round")
    func bothScripts() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.call("tag.define", ["name": "蕾絲"])
            _ = try await admin.call("tag.define", ["name": "金融"])
            _ = try await admin.call("tag.rule.add", ["name": "lace", "tag": "蕾絲", "match": ["name_contains": ["蕾絲"]]])
            _ = try await admin.call("tag.rule.add", ["name": "bankers", "tag": "金融", "match": ["address_groups": ["finance"]]])
            let members = try await admin.push(
                "sh01",
                [
                    Events.upsert("m-s", "web", "u-s", ["name": "王芳", "address": "深圳市福田区招商银行大厦12楼", "region": "广东"]),
                    Events.upsert("m-t", "web", "u-t", ["name": "陳美玲", "address": "台北市信義區松仁路100號", "region": "臺灣"]),
                    Self.order("o-s", member: "u-s", item: "法式蕾丝文胸", category: "内衣"),
                    Self.order("o-t", member: "u-t", item: "純棉睡衣", category: "內衣"),
                ])
            #expect(members.map { $0["status"]! } == ["applied", "applied", "applied", "applied"])
            let simplified = members[0]["member_id"]!, traditional = members[1]["member_id"]!
            // The rule written in Traditional tags the Simplified order and address.
            #expect(Set(try await Self.tagNames(admin, simplified)) == ["蕾絲", "金融"])
            #expect(try await Self.tagNames(admin, traditional).isEmpty)

            func count(_ filter: JSONValue) async throws -> JSONValue? { try await admin.call("segment.preview", ["filter": filter])["count"] }
            #expect(try await count(["address": ["groups": ["finance"]]]) == 1)
            #expect(try await count(["address": ["keywords": ["招商銀行"]]]) == 1)
            // Simplified keywords find Traditional text.
            #expect(try await count(["address": ["keywords": ["信义区"]]]) == 1)
            #expect(try await count(["items": ["name_contains": ["纯棉"]]]) == 1)
            #expect(try await count(["items": ["categories": ["內衣"]]]) == 2)
            #expect(try await count(["region": ["台湾"]]) == 1)
            #expect(try await count(["region": ["廣東"]]) == 1)
            // What members and rules show is what was sent.
            #expect(try await admin.member(["member_id": simplified])["address"] == "深圳市福田区招商银行大厦12楼")
            let rules = try await admin.call("tag.rule.list", [:])["rules"]?.arrayValue ?? []
            #expect(rules.first { $0["name"] == "lace" }?["match"]?["name_contains"] == ["蕾絲"])
        }
    }

    @Test("rows written before folding existed are folded when crmd migrates")
    func backfill() async throws {
        try await withTestDatabase(migrate: false) { db in
            try Migrator(migrations: Array(Migration.embedded.prefix { $0.version < 8 })).migrate(configuration: db.configuration)
            try db.withConnection { c in
                try c.execute(
                    script: """
                        INSERT INTO shop (code, name) VALUES ('sh01', 'sh01');
                        INSERT INTO member (address_sealed, region) VALUES ('深圳市招商银行大厦', '广东'), ('台北市信義區', '臺灣');
                        INSERT INTO account (shop_id, channel, external_id, member_id) SELECT 1, 'web', 'u-' || id, id FROM member;
                        INSERT INTO shop_order (shop_id, channel, order_no, account_id, amount_fen, paid_at, items, event_id)
                        SELECT 1, 'web', 'o-' || id, id, 100, now(), '[{"sku": "S", "name": "蕾絲文胸", "price_fen": 100, "quantity": 1}]', 'e-' || id
                        FROM account;
                        INSERT INTO tag (name, created_by) VALUES ('金融', 'test');
                        INSERT INTO tag_rule (name, tag_id, definition, address_contains, created_by) VALUES ('bankers', 1, '{}', ARRAY['銀行', '證券'], 'test');
                        """)
            }
            try Migrator().migrate(configuration: db.configuration)
            try db.withConnection { c in
                // Addresses are sealed since migration 15 (their keywords compare `address_grams`, no
                // folded copy is kept): regions alone are folded here.
                let members = try c.query("SELECT region_fold FROM member ORDER BY id").map { try $0.decode(String?.self, at: 0) }
                #expect(members == [nil, "台湾"])
                let items = try c.query("SELECT items_fold->0->>'name' FROM shop_order ORDER BY id").map { try $0.decode(String?.self, at: 0) }
                #expect(items == ["蕾丝文胸", "蕾丝文胸"])
                let words = try c.query("SELECT array_to_string(address_contains, ',') FROM tag_rule").single!.decode(String.self, at: 0)
                #expect(words == "银行,证券")
                #expect(try c.query("SELECT count(*) FROM script_fold_backfill").single!.decode(Int.self, at: 0) == 0)
            }
        }
    }
}
