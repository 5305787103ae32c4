import CRMClient
import CRMDomain
import CRMProtocol
import Testing

/// 滿額送券: tiered rules issue a coupon with every new paid order, highest tier wins.
@Suite("tiered coupon rules")
struct TierRuleTests {
    static func rule(_ admin: RPCClient, _ name: String = "滿額送券", tiers: [(String, String)], extra: JSONObject = [:]) async throws -> JSONValue {
        var params: JSONObject = ["name": .string(name), "tiers": .array(tiers.map { ["min_amount": .string($0.0), "template": .string($0.1)] })]
        for (k, v) in extra { params[k] = v }
        return try await admin.call("coupon.rule.add", .object(params))
    }

    @Test("¥100 gets T3, ¥150 gets T5, ¥160 only T5, ¥99 nothing; a replayed push issues nothing twice")
    func tiers() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let coupons = CouponFixture(server: server)
            try coupons.template("T3", yuan: 3)
            try coupons.template("T5", yuan: 5)
            let added = try await Self.rule(admin, tiers: [("150.00", "T5"), ("100", "T3")])
            #expect(added["rule"]?["version"] == 1)
            #expect(added["rule"]?["tiers"] == [["min_amount": "100.00", "template": "T3"], ["min_amount": "150.00", "template": "T5"]])
            let events = [
                Events.paid("o1", "web", order: "1", member: "u-1", amount: "160.00", at: When.at(days: -1)),
                Events.paid("o2", "web", order: "2", member: "u-2", amount: "99.99", at: When.at(days: -1)),
                Events.paid("o3", "web", order: "3", member: "u-3", amount: "100.00", at: When.at(days: -1)),
                Events.paid("o4", "web", order: "4", member: "u-1", amount: "150.00", at: When.at(days: -1)),
            ]
            let r = try await admin.push("sh01", events)
            #expect(r.allSatisfy { $0["status"] == "applied" }, "\(r)")
            let (m1, m2, m3) = (r[0]["member_id"]!, r[1]["member_id"]!, r[2]["member_id"]!)
            let o1 = try #require(try coupons.order("1")), o4 = try #require(try coupons.order("4")), o3 = try #require(try coupons.order("3"))
            #expect(try coupons.held(by: m1).map { "\($0.template) \($0.source) \($0.ref ?? "-")" } == ["T5 order \(o1)", "T5 order \(o4)"])
            #expect(try coupons.held(by: m2).isEmpty)
            #expect(try coupons.held(by: m3).map { "\($0.template) \($0.source) \($0.ref ?? "-")" } == ["T3 order \(o3)"])
            // The coupon is the order's receipt: a service notice.
            let notices = try coupons.notices("coupon_issued", for: m1)
            #expect(notices.count == 2 && notices.allSatisfy { !$0.marketing && $0.body["template"] == "T5" && $0.body["value"] == "5.00" })
            let again = try await admin.push("sh01", events)
            #expect(again.allSatisfy { $0["status"] == "duplicate" })
            #expect(try coupons.held(by: m1).count == 2 && coupons.held(by: m3).count == 1)
            // An order that uses a coupon gets its tier coupon too (it goes the one-at-a-time way).
            let given = try coupons.issue("T3", to: m2)
            let used = try await admin.push("sh01", [Events.paid("o5", order: "5", member: "u-2", amount: "200.00", coupons: [given])])
            #expect(used[0]["status"] == "applied", "\(used[0])")
            let o5 = try #require(try coupons.order("5"))
            #expect(try coupons.held(by: m2).map { "\($0.template) \($0.source) \($0.ref ?? "-")" } == ["T3 operator -", "T5 order \(o5)"])
        }
    }

    @Test("rules add up, match their shops and channels, are versioned and disabled by name; an unknown template is refused")
    func rules() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let coupons = CouponFixture(server: server)
            try coupons.template("T3", yuan: 3)
            try coupons.template("WEB", yuan: 2)
            try coupons.template("LIMITED", yuan: 8) { $0.budget = 1 }
            _ = try await Self.rule(admin, tiers: [("100", "T3")])
            _ = try await Self.rule(admin, "web-only", tiers: [("50", "WEB")], extra: ["channels": ["web"], "shops": ["sh01"]])
            _ = try await Self.rule(admin, "limited", tiers: [("10", "LIMITED")])
            let missing = await rpcError { try await Self.rule(admin, "bad", tiers: [("10", "NOPE")]) }
            #expect(missing?.code == -32004 && missing?.reason == .templateNotFound)
            let badAmount = await rpcError { try await Self.rule(admin, "bad", tiers: [("0", "T3")]) }
            #expect(badAmount?.code == -32602 && badAmount?.field == "tiers[0].min_amount")
            let r = try await admin.push(
                "sh01",
                [
                    Events.paid("o1", "web", order: "1", member: "u-1", amount: "120.00", at: When.at(days: -1)),
                    Events.paid("o2", "mobile", order: "2", member: "u-2", amount: "120.00", at: When.at(days: -1)),
                ])
            #expect(r.allSatisfy { $0["status"] == "applied" }, "\(r)")
            // The budget of one went to the first order; the second order applies without it.
            #expect(try coupons.held(by: r[0]["member_id"]!).map(\.template) == ["LIMITED", "T3", "WEB"])
            #expect(try coupons.held(by: r[1]["member_id"]!).map(\.template) == ["T3"])
            // A new version replaces the old; disabling stops it.
            let v2 = try await Self.rule(admin, tiers: [("100", "WEB")])
            #expect(v2["rule"]?["version"] == 2)
            var list = try await admin.call("coupon.rule.list", [:])["rules"]!.arrayValue!
            #expect(list.map { "\($0["name"]!.stringValue!) v\($0["version"]!.int64Value!)" } == ["limited v1", "web-only v1", "滿額送券 v2"])
            _ = try await admin.call("coupon.rule.disable", ["name": "web-only"])
            _ = try await admin.call("coupon.rule.disable", ["name": "limited"])
            let gone = await rpcError { try await admin.call("coupon.rule.disable", ["name": "web-only"]) }
            #expect(gone?.reason == .ruleNotFound)
            list = try await admin.call("coupon.rule.list", ["include_disabled": true])["rules"]!.arrayValue!
            #expect(list.count == 4 && list.filter { $0["disabled_at"] == .null }.count == 1)
            let r3 = try await admin.push("sh01", [Events.paid("o3", "web", order: "3", member: "u-3", amount: "120.00", at: When.at(days: -1))])
            #expect(try coupons.held(by: r3[0]["member_id"]!).map(\.template) == ["WEB"])
        }
    }
}
