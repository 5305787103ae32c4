import CRMClient
import CRMPostgres
import CRMProtocol
import CRMStorage
import Testing

/// Conditions on personal data are evaluated over the blind indexes written beside the sealed
/// values: the member's row holds no plain address, e-mail or birthday, and the conditions still
/// select the member (docs/segments.md).
@Suite("segment conditions over sealed personal data")
struct SealedConditionTests {
    static let address = "深圳市福田区招商银行大厦12楼"

    @Test("a keyword in Traditional finds a Simplified address kept sealed; e-mail domain, birthday and age find the member by their indexes")
    func sealed() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.call("tag.define", ["name": "招行"])
            _ = try await admin.call("tag.rule.add", ["name": "cmb", "tag": "招行", "match": ["address_contains": ["招商銀行"]]])
            let pushed = try await admin.push(
                "sh01",
                [
                    Events.upsert(
                        "m-1", "web", "u-1",
                        ["name": "王芳", "address": .string(Self.address), "email": "wang@Example.COM", "birthday": "1990-02-28"]),
                    Events.upsert("m-2", "web", "u-2", ["name": "李雷", "address": "北京市朝阳区建国路88号", "birthday": "1991-03-01"]),
                    ScriptFoldingTests.order("o-1", member: "u-1", item: "文胸", category: "内衣"),
                ])
            #expect(pushed.map { $0["status"]! } == ["applied", "applied", "applied"])
            let wang = pushed[0]["member_id"]!
            let wangID = wang.stringValue ?? String(wang.int64Value!)
            func members(_ filter: JSONValue) async throws -> [String] {
                Array(try await admin.segmentMembers(filter, asOf: "2026-11-27T12:00:00+08:00"))
            }
            #expect(try await members(["address": ["keywords": ["招商銀行"]]]) == [wangID])
            #expect(try await members(["address": ["keywords": ["福田區", "不存在"]]]) == [wangID])
            #expect(try await members(["address": ["keywords": ["銀行招商"]]]).isEmpty)
            #expect(try await members(["email_domain": ["EXAMPLE.com"]]) == [wangID])
            #expect(try await members(["birthday": ["days": ["02-28"]]]) == [wangID])
            #expect(try await members(["age": ["min": 36, "max": 36]]) == [wangID])
            #expect(try await members(["not": ["age": ["max": 35]]]) == [wangID])
            // The tag rule written in Traditional tagged the Simplified address through its grams.
            let tags = try await admin.call("tag.get", ["member_id": wang])["tags"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(tags == ["招行"])
            try server.database.withConnection { c in
                let row = try c.query(
                    """
                    SELECT m::text, address_grams IS NOT NULL, email_domain_bidx IS NOT NULL, birthday_bidx IS NOT NULL
                    FROM member m WHERE id = $1
                    """, [.int(Int64(wangID)!)]
                ).single!
                let text: String = try row.decode(at: 0)
                for plain in [Self.address, "招商银行", "example.com", "1990-02-28"] { #expect(!text.contains(plain), "\(plain) in the member row") }
                #expect(try row.decode(Bool.self, at: 1) && row.decode(Bool.self, at: 2) && row.decode(Bool.self, at: 3))
            }
        }
    }
}
