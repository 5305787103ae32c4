import CRMClient
import CRMProtocol
import Testing

/// Replacing the level ladder: every member ends on a rung of the new one.
@Suite("a new level ladder over the real server")
struct LadderChangeTests {
    static let newLadder: JSONValue = [
        "levels": [
            ["code": "basic", "name": "普通", "min_spend": "0", "price_percent": 100, "points_multiplier_percent": 100],
            ["code": "silver", "name": "銀卡", "min_spend": "1000", "price_percent": 95, "points_multiplier_percent": 110],
            ["code": "gold", "name": "金卡", "min_spend": "5000", "price_percent": 90, "points_multiplier_percent": 130],
        ]
    ]

    @Test("level rules set with new codes moves every member on a code that is gone to what they qualify for, in the same call")
    func replacedCodes() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let small = try await admin.paid("l1", order: "l1", member: "u-small", amount: "100.00", at: When.at(days: -3))
            let senior = try await admin.paid("l2", order: "l2", member: "u-senior", amount: "2500.00", at: When.at(days: -3))
            let vip = try await admin.paid("l3", order: "l3", member: "u-vip", amount: "6000.00", at: When.at(days: -3))
            let kept = try await admin.paid("l4", order: "l4", member: "u-kept", amount: "100.00", at: When.at(days: -3))
            _ = try await admin.call("level.set", ["member_id": kept, "level": "supreme", "reason": "key account"])
            _ = try await admin.push("sh01", [Events.upsert("l5", "web", "u-none", ["name": "新人"])])
            #expect(try await admin.call("level.get", ["member_id": vip])["level"]?["code"] == "vip")

            _ = try await admin.call("level.rules.set", ["value": Self.newLadder])
            let codes = ["basic", "silver", "gold"]
            let expected: [(JSONValue, String)] = [(small, "basic"), (senior, "silver"), (vip, "gold"), (kept, "basic")]
            for (member, code) in expected {
                let got = try await admin.call("level.get", ["member_id": member])
                #expect(got["level"]?["code"] == .string(code))
                // The level shown is the level held: the stored one, with its change in the history.
                let stored = try server.database.withConnection {
                    try $0.query("SELECT level_code FROM member_level WHERE member_id = $1", [.int(Int64(member.stringValue!)!)]).single?.decode(
                        String.self, at: 0)
                }
                #expect(stored == code || (stored == nil && code == "basic"))  // no row: the entry rung
            }
            #expect(try await admin.call("level.get", ["member_id": vip])["history"]?.arrayValue?.first?["to"] == "gold")
            let stale = try server.database.withConnection {
                try $0.query("SELECT count(*) FROM member_level WHERE level_code <> ALL($1::text[])", [.textArray(codes)]).single!.decode(Int64.self, at: 0)
            }
            #expect(stale == 0)
            let report = try await admin.call("report.levels", [:])
            let counted = report["levels"]!.arrayValue!.reduce(Int64(0)) { $0 + $1["members"]!.int64Value! }
            #expect(counted == report["members"]!.int64Value!)
            #expect(counted == 5)
            #expect(try await admin.verify()["ok"] == true)
        }
    }
}
