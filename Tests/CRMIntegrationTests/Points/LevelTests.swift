import CRMClient
import CRMDomain
import CRMProtocol
import Testing

@Suite("levels over the real server")
struct LevelTests {
    @Test("a paid order raises the level at once; a refund lowers it only after the grace period; an operator's level holds")
    func upGraceDown() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let ladder = try await admin.call("level.rules.get", [:])
            #expect(ladder["levels"]?.arrayValue?.map { $0["code"]! } == ["regular", "senior", "vip", "supreme"])
            #expect(ladder["grace_days"] == 30)
            let m = try await admin.paid("o1", order: "1", member: "u-1", amount: "2500.00", at: When.at(days: -3))
            #expect(try await admin.member(["member_id": m])["level"]?["code"] == "senior")
            // The next order earns at the senior multiplier (120 %).
            _ = try await admin.paid("o2", order: "2", member: "u-1", amount: "100.00", at: When.at(days: -2))
            #expect(try await admin.points(m).balance == 2500 + 120)
            _ = try await admin.push("sh01", [Events.refunded("o1-r", "web", order: "1", refund: "R1", amount: "2500.00")])
            #expect(try await admin.call("level.get", ["member_id": m])["level"]?["code"] == "senior")
            let now = try await admin.call("level.evaluate", ["as_of": .string(When.date(days: 0))])
            #expect(now["pending_drop"] == 1)
            #expect(now["lowered"] == 0)
            let standing = try await admin.call("level.get", ["member_id": m])
            #expect(standing["level"]?["code"] == "senior")
            #expect(standing["qualifies"]?["code"] == "regular")
            #expect(standing["below_since"] != .null)
            // Time passes: the member has been below for 20 days, then for 31.
            let today = JSONValue.string(When.date(days: 0))
            try server.database.withConnection { _ = try $0.query("UPDATE member_level SET below_since = below_since - interval '20 days'") }
            let early = try await admin.call("level.evaluate", ["as_of": today])
            #expect(early["lowered"] == 0)
            try server.database.withConnection { _ = try $0.query("UPDATE member_level SET below_since = below_since - interval '11 days'") }
            let late = try await admin.call("level.evaluate", ["as_of": today])
            #expect(late["lowered"] == 1)
            let after = try await admin.call("level.get", ["member_id": m])
            #expect(after["level"]?["code"] == "regular")
            #expect(after["history"]?.arrayValue?.map { $0["reason"]! } == ["evaluate", "order"])

            // An operator's level: audited, never lowered by evaluation.
            let set = try await admin.call("level.set", ["member_id": m, "level": "vip", "reason": "key account"])
            #expect(set["level"]?["name"] == "VIP會員")
            _ = try await admin.call("level.evaluate", ["as_of": today])
            try server.database.withConnection { _ = try $0.query("UPDATE member_level SET below_since = now() - interval '400 days'") }
            _ = try await admin.call("level.evaluate", ["as_of": today])
            #expect(try await admin.call("level.get", ["member_id": m])["level"]?["code"] == "vip")
            // A day that has not begun would lower levels early.
            #expect(await rpcError { try await admin.call("level.evaluate", ["as_of": .string(When.date(days: 2))]) }?.reason == "as_of_in_future")
            #expect(await rpcError { try await admin.call("level.set", ["member_id": m, "level": "gold", "reason": "x"]) }?.reason == "unknown_level")
            let audited = try server.database.withConnection {
                try $0.query("SELECT count(*) FROM audit_log WHERE action = 'level.set'").single!.decode(Int.self, at: 0)
            }
            #expect(audited == 1)
        }
    }

    @Test("a ladder on spend and purchase count over a rolling window")
    func rollingLadder() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let ladder: JSONValue = [
                "basis": "rolling", "window_months": 12, "grace_days": 0,
                "levels": [
                    ["code": "regular", "name": "普通", "min_spend": "0", "price_percent": 100],
                    ["code": "silver", "name": "銀卡", "min_spend": "500", "min_orders": 2, "price_percent": 98],
                    ["code": "gold", "name": "金卡", "min_spend": "1000", "min_orders": 3, "price_percent": 95, "points_multiplier_percent": 150],
                ],
            ]
            _ = try await admin.call("level.rules.set", ["value": ladder])
            // Old spend outside the window does not count.
            let m = try await admin.paid("o1", order: "1", member: "u-1", amount: "5000.00", at: When.at(days: -500))
            #expect(try await admin.member(["member_id": m])["level"]?["code"] == "regular")
            _ = try await admin.paid("o2", order: "2", member: "u-1", amount: "600.00", at: When.at(days: -10))
            #expect(try await admin.member(["member_id": m])["level"]?["code"] == "regular")  // one order in the window
            _ = try await admin.paid("o3", order: "3", member: "u-1", amount: "10.00", at: When.at(days: -9))
            #expect(try await admin.member(["member_id": m])["level"]?["code"] == "silver")
            // With no grace, evaluation a year on lowers at once (the orders move a year back in time).
            // TEST SUPPORT SQL: the order and its key (which levels read) alike.
            try server.database.withConnection { c in
                _ = try c.query("UPDATE shop_order SET paid_at = paid_at - interval '400 days'")
                _ = try c.query("UPDATE order_key SET paid_at = paid_at - interval '400 days'")
            }
            let r = try await admin.call("level.evaluate", ["as_of": .string(When.date(days: 0))])
            #expect(r["lowered"] == 1)
            let bad = await rpcError { try await admin.call("level.rules.set", ["value": ["levels": [["code": "a", "name": "A", "min_spend": "10"]]]]) }
            #expect(bad?.reason == "bad_setting")
            let operatorClient = try await server.client(token: try await server.token(role: .operator))
            #expect(await rpcError { try await operatorClient.call("level.rules.set", ["value": ladder]) }?.code == -32003)
        }
    }

    @Test("merge and unmerge keep every point and recompute levels")
    func mergeAndUnmerge() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let a = try await admin.paid("a1", order: "A1", member: "u-a", amount: "1500.00", at: When.at(days: -20))
            let b = try await admin.paid("b1", order: "B1", member: "u-b", amount: "700.00", at: When.at(days: -10), channel: "mobile")
            #expect(try await admin.member(["member_id": a])["level"]?["code"] == "regular")
            let merged = try await admin.call("member.merge", ["member_id": a, "other_member_id": b, "reason": "same person"])
            let survivor = merged["member_id"]!
            #expect(try await admin.points(survivor).balance == 2200)
            #expect(try await admin.member(["member_id": survivor])["level"]?["code"] == "senior")
            #expect(try await admin.verify()["ok"] == true)
            _ = try await admin.redeem(survivor, 1000, key: "spend-after-merge")
            let undone = try await admin.call("member.unmerge", ["merge_id": merged["merge_id"]!, "reason": "not the same"])
            let restored = undone["restored_member_id"]!
            let s = try await admin.points(undone["member_id"]!).balance
            let r = try await admin.points(restored).balance
            // Spending took the lot expiring first (A's, earned earlier); B gets its own lot back whole.
            #expect(s == 500)
            #expect(r == 700)
            #expect(try await admin.member(["member_id": undone["member_id"]!])["level"]?["code"] == "regular")
            #expect(try await admin.verify()["ok"] == true)
            let kinds = try await admin.call("points.history", ["member_id": restored])["entries"]!.arrayValue!.map { $0["kind"]!.stringValue! }
            #expect(kinds.contains("unmerge_in"))
        }
    }
}
