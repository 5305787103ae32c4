import CRMClient
import CRMProtocol
import Testing

@Suite("identity resolution of a push whose records match each other before a key links them")
struct KeyMergeAfterMatchTests {
    /// Found by the identity benchmark: crmd stopped on a precondition ("each merged member had exactly
    /// its one new account"). In one push, account b (no phone) matched account c (same person, with a
    /// phone) and absorbed c's new member; c's phone then led that member, now holding two accounts,
    /// to the known member of account a, and the bulk key merge took it for a one-account member.
    @Test("a new account merged by matching, then linked by a key, joins the known member with everything it holds")
    func matchThenKey() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let person: JSONObject = ["name": "吴凤英", "birthday": "1980-03-04", "region": "浙江", "address": "浙江省杭州市西湖区文三路90号2幢301室"]
            var withPhone = person
            withPhone["phone"] = "18833553926"
            let known = try await admin.push("sh01", [Events.upsert("a", "web", "a", ["name": "吴凤英", "phone": "18833553926"])])
            let pushed = try await admin.push("sh02", [Events.upsert("b", "group_buy", "b", person), Events.upsert("c", "web", "c", withPhone)])
            #expect(pushed.map { $0["status"] } == ["applied", "applied"])
            #expect(pushed[0]["member_id"] == known[0]["member_id"])
            #expect(pushed[1]["member_id"] == known[0]["member_id"])
            let member = try await admin.member(["phone": "18833553926"])
            #expect(Set(member["accounts"]?.arrayValue?.compactMap { $0["external_id"]?.stringValue } ?? []) == ["a", "b", "c"])
            #expect(try await admin.verify()["ok"] == true)
        }
    }
}
