import CRMClient
import CRMProtocol
import Testing

@Suite("coupon redemption at the till")
struct CouponRedeemTests {
    @Test("200 concurrent redemptions of one code with different keys: exactly one wins, the rest find it used")
    func oneCodeManyTills() async throws {
        try await withTestServer(poolSize: 8) { server in
            let admin = try await server.adminWithShops()
            try await admin.template("T3")
            let m = try await admin.members(1, prefix: "r")[0]
            let code = try await admin.issueCoupon("T3", to: m, key: "i1")
            let clients = try await withThrowingTaskGroup(of: RPCClientBox.self) { group in
                for _ in 0..<20 { group.addTask { RPCClientBox(try await server.adminClient()) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let outcomes = await withTaskGroup(of: String.self) { group in
                for i in 0..<200 {
                    let client = clients[i % clients.count].client
                    group.addTask { await outcome { try await client.redeemCoupon(code, amount: "100.00", key: "till-\(i)") } }
                }
                return await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(outcomes == ["ok": 1, "coupon_used": 199])
            let held = try await admin.coupon(code)
            #expect(held["coupon"]?["status"] == "redeemed")
            #expect(held["events"]?.arrayValue?.map { $0["kind"]! } == ["issue", "redeem"])
            #expect(try await admin.call("coupon.stats", [:])["templates"]?.arrayValue?[0]["redeemed"] == 1)
            for c in clients { await c.client.close() }
            #expect(try await admin.failedChecks() == [])
        }
    }

    @Test("the same key replays the first answer; the same key with another request is idempotency_key_reused")
    func idempotency() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            try await admin.template("P10", value: 10, kind: "percent", ["cap": "5.00"])
            let m = try await admin.members(1, prefix: "r")[0]
            let code = try await admin.issueCoupon("P10", to: m, key: "i1")
            let agent = try await server.client(token: try await server.token(role: .agent, shop: "sh01"))
            let first = try await agent.redeemCoupon(code, amount: "30.00", key: "pos-1", extra: ["order_no": "A1", "member_id": m])
            #expect(first["discount"] == "3.00")
            #expect(first["replayed"] == false)
            #expect(first["member_id"] == m)
            let again = try await agent.redeemCoupon(code, amount: "30.00", key: "pos-1", extra: ["order_no": "A1", "member_id": m])
            #expect(again["replayed"] == true)
            #expect(again["discount"] == "3.00")
            let other = await rpcError { try await agent.redeemCoupon(code, amount: "31.00", key: "pos-1", extra: ["order_no": "A1", "member_id": m]) }
            #expect(other?.code == -32009)
            #expect(other?.reason == "idempotency_key_reused")
            // An agent redeems for its own shop only; an analyst not at all.
            let wrong = await rpcError { try await agent.redeemCoupon(code, amount: "30.00", key: "pos-2", shop: "sh02") }
            #expect(wrong?.reason == "wrong_shop")
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            #expect(await rpcError { try await analyst.redeemCoupon(code, amount: "30.00", key: "pos-3") }?.code == -32003)
            let held = try await admin.coupon(code)["coupon"]!
            #expect(held["order_no"] == "A1")
            #expect(held["shop"] == "sh01")
            #expect(held["discount"] == "3.00")
            await agent.close()
            await analyst.close()
        }
    }

    @Test("an unusable coupon is refused with the reason and nothing changes")
    func refusals() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await admin.members(2, prefix: "r")
            try await admin.template("past", ["valid_days": 30])  // issued, then moved into the past (expireCoupons)
            try await admin.template("future", ["valid_from": .string(When.date(days: 5)), "valid_until": .string(When.date(days: 20))])
            try await admin.template("min100", ["min_spend": "100.00"])
            try await admin.template("sh02only", ["scope": ["shops": ["sh02"]]])
            try await admin.template("bras", ["scope": ["categories": ["bra"]], "min_spend": "50.00"])
            try await admin.template("mobile", ["scope": ["channels": ["mobile"]]])
            var codes: [String: String] = [:]
            for t in ["past", "future", "min100", "sh02only", "bras", "mobile"] { codes[t] = try await admin.issueCoupon(t, to: m[0], key: "i-\(t)") }
            try server.database.expireCoupons(ofTemplate: "past")
            let cases: [(String, String, JSONObject, String)] = [
                ("past", "200.00", [:], "coupon_expired"),
                ("future", "200.00", [:], "coupon_not_yet_valid"),
                ("min100", "99.99", [:], "below_min_spend"),
                ("sh02only", "200.00", [:], "out_of_scope"),
                ("bras", "200.00", ["items": [["category": "panty", "amount": "200.00"]]], "out_of_scope"),
                ("bras", "200.00", ["items": [["category": "bra", "amount": "40.00"], ["category": "panty", "amount": "160.00"]]], "below_min_spend"),
                ("mobile", "200.00", ["channel": "web"], "out_of_scope"),
                ("mobile", "200.00", [:], "out_of_scope"),
                ("min100", "200.00", ["member_id": m[1]], "coupon_other_member"),
            ]
            for (i, (t, amount, extra, reason)) in cases.enumerated() {
                let e = await rpcError { try await admin.redeemCoupon(codes[t]!, amount: amount, key: "x\(i)", extra: extra) }
                #expect(e?.code == -32010, "\(t)")
                #expect(e?.reason.rawValue == reason, "\(t): \(e?.message ?? "")")
            }
            for code in codes.values { #expect(try await admin.coupon(code)["coupon"]?["status"] == "usable") }
            // Refused keys were not kept: each may be used again.
            #expect(try await server.pool.withConnection { c in try c.query("SELECT count(*) FROM coupon_request").single!.decode(Int64.self, at: 0) } == 0)
            #expect(try await admin.redeemCoupon(codes["sh02only"]!, amount: "200.00", key: "x3", shop: "sh02")["discount"] == "3.00")
            // Redeemed once, it is used; voided, it is voided.
            #expect(
                try await admin.redeemCoupon(codes["bras"]!, amount: "200.00", key: "ok1", extra: ["items": [["category": "bra", "amount": "60.00"]]])[
                    "discount"] == "3.00")
            #expect(await rpcError { try await admin.redeemCoupon(codes["bras"]!, amount: "200.00", key: "ok2") }?.reason == "coupon_used")
            #expect(try await admin.call("coupon.void", ["code": .string(codes["min100"]!), "reason": "issued by mistake"])["status"] == "voided")
            #expect(await rpcError { try await admin.redeemCoupon(codes["min100"]!, amount: "200.00", key: "ok3") }?.reason == "coupon_voided")
            #expect(await rpcError { try await admin.call("coupon.void", ["code": .string(codes["bras"]!), "reason": "x"]) }?.reason == "coupon_used")
            #expect(await rpcError { try await admin.redeemCoupon("0000-0000-0000-0000", amount: "1.00", key: "ok4") }?.reason == "coupon_not_found")
            #expect(await rpcError { try await admin.redeemCoupon(codes["mobile"]!, amount: "1.00", key: "ok5", shop: "nope") }?.reason == "shop_not_found")
            #expect(await rpcError { try await admin.redeemCoupon(codes["mobile"]!, amount: "ten", key: "ok6") }?.reason == "bad_cart")
            #expect(try await admin.failedChecks() == [])
        }
    }

    @Test("coupon.expire moves usable coupons past their validity to expired, in batches, once")
    func expiry() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let members = try await admin.members(5, prefix: "e")
            try await admin.template("past", ["valid_days": 30])  // issued, then moved into the past (expireCoupons)
            try await admin.template("live", ["valid_days": 30])
            var past: [String] = []
            for (i, m) in members.enumerated() { past.append(try await admin.issueCoupon("past", to: m, key: "p\(i)")) }
            try server.database.expireCoupons(ofTemplate: "past")
            let live = try await admin.issueCoupon("live", to: members[0], key: "l")
            _ = try await admin.call("coupon.void", ["code": .string(past[4]), "reason": "test"])
            let early = try await admin.call("coupon.expire", ["as_of": .string(When.date(days: -5))])
            #expect(early["expired"] == 0)
            let b1 = try await admin.call("coupon.expire", ["limit": 3])
            #expect(b1["expired"] == 3)
            #expect(b1["done"] == false)
            let b2 = try await admin.call("coupon.expire", ["limit": 3])
            #expect(b2["expired"] == 1)
            #expect(b2["done"] == true)
            #expect(try await admin.call("coupon.expire", [:])["expired"] == 0)
            for code in past.prefix(4) {
                let c = try await admin.coupon(code)
                #expect(c["coupon"]?["status"] == "expired")
                #expect(c["events"]?.arrayValue?.last?["kind"] == "expire")
            }
            #expect(try await admin.coupon(past[4])["coupon"]?["status"] == "voided")
            #expect(try await admin.coupon(live)["coupon"]?["status"] == "usable")
            #expect(await rpcError { try await admin.call("coupon.expire", ["as_of": .string(When.date(days: 3))]) }?.reason == "as_of_in_future")
            #expect(try await admin.failedChecks() == [])
        }
    }

    @Test("stats: issued, redeemed, 核銷率 and value by template and shop on a known set")
    func stats() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await admin.members(4, prefix: "s")
            try await admin.template("T3")
            try await admin.template("P10", value: 10, kind: "percent")
            try await admin.template("unused")
            var t3: [String] = []
            for (i, member) in m.enumerated() { t3.append(try await admin.issueCoupon("T3", to: member, key: "t\(i)")) }
            let p = try await admin.issueCoupon("P10", to: m[0], key: "p")
            _ = try await admin.redeemCoupon(t3[0], amount: "100.00", key: "r0")
            _ = try await admin.redeemCoupon(t3[1], amount: "2.50", key: "r1", shop: "sh02")
            _ = try await admin.redeemCoupon(p, amount: "45.00", key: "r2")
            _ = try await admin.call("coupon.void", ["code": .string(t3[2]), "reason": "test"])
            let s = try await admin.call("coupon.stats", [:])
            let byName = Dictionary(uniqueKeysWithValues: s["templates"]!.arrayValue!.map { ($0["template"]!.stringValue!, $0) })
            let expected: JSONValue = [
                "template": "T3", "issued": 4, "redeemed": 2, "expired": 0, "voided": 1, "usable": 1, "redemption_rate": "0.5000",
                "face_value_redeemed": "6.00", "discount": "5.50",
            ]
            #expect(byName["T3"] == expected)
            #expect(byName["P10"]?["redemption_rate"] == "1.0000")
            #expect(byName["P10"]?["face_value_redeemed"] == "4.50")
            #expect(byName["unused"]?["issued"] == 0)
            #expect(byName["unused"]?["redemption_rate"] == .null)
            let shops = s["shops"]!.arrayValue!.map {
                "\($0["template"]!.stringValue!) \($0["shop"]!.stringValue!) \($0["redeemed"]!.int64Value!) \($0["discount"]!.stringValue!)"
            }
            #expect(shops == ["P10 sh01 1 4.50", "T3 sh01 1 3.00", "T3 sh02 1 2.50"])
            #expect(try await admin.call("coupon.stats", ["template": "T3"])["templates"]?.arrayValue?.count == 1)
            #expect(await rpcError { try await admin.call("coupon.stats", ["template": "nope"]) }?.reason == "template_not_found")
        }
    }

    @Test("verify is clean over coupons, and reports a coupon row corrupted in SQL")
    func booksCheck() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await admin.members(3, prefix: "v")
            try await admin.template("T3", ["budget": 3])
            var codes: [String] = []
            for (i, member) in m.enumerated() { codes.append(try await admin.issueCoupon("T3", to: member, key: "k\(i)")) }
            _ = try await admin.redeemCoupon(codes[0], amount: "10.00", key: "r")
            let clean = try await admin.verify()
            #expect(clean["ok"] == true)
            #expect(clean["coupons"] == ["issued": 3, "redeemed": 1, "expired": 0, "voided": 0, "usable": 2])
            let names = clean["checks"]!.arrayValue!.map { $0["name"]!.stringValue! }
            #expect(names.contains("coupon_status_matches_events"))
            // A coupon marked used behind the books' back: no redeem event says so.
            let code = codes[1]
            try await server.pool.withConnection { c in
                _ = try c.query("UPDATE coupon SET status = 'redeemed', redeemed_at = now(), discount_fen = 300 WHERE code = $1", [.text(code)])
            }
            let broken = try await admin.verify()
            #expect(broken["ok"] == false)
            #expect(try await admin.failedChecks() == ["coupon_status_matches_events"])
            let check = broken["checks"]!.arrayValue!.first { $0["name"] == "coupon_status_matches_events" }!
            #expect(check["examples"] == [.string("coupon \(code): redeemed, last event issue")])
            // A template's count issued that is not the coupons there are.
            try await server.pool.withConnection { c in
                _ = try c.query("UPDATE coupon_template SET issued = 2 WHERE name = 'T3'")
            }
            #expect(try await admin.failedChecks() == ["coupon_template_counts", "coupon_status_matches_events"])
        }
    }
}
