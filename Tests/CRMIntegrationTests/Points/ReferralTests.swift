import CRMClient
import CRMDomain
import CRMProtocol
import Testing

@Suite("referrals over the real server")
struct ReferralTests {
    /// A referrer (account `u-r`) and their code.
    static func referrer(_ admin: RPCClient, _ external: String = "u-r") async throws -> (member: JSONValue, code: String) {
        let r = try await admin.push("sh01", [Events.upsert("reg-\(external)", "web", external, ["name": .string("推薦人" + external)])])[0]
        let link = try await admin.call("referral.link", ["member_id": r["member_id"]!])
        return (r["member_id"]!, link["code"]!.stringValue!)
    }

    /// A new member signing up with `code`.
    static func signup(_ admin: RPCClient, _ external: String, code: String, channel: String = "mobile") async throws -> JSONValue {
        try await admin.push(
            "sh01", [Events.upsert("reg-\(external)", channel, external, ["name": .string("新人" + external), "referral_code": .string(code)])])[0]["member_id"]!
    }

    static func refund(_ id: String, order: String, amount: String, at: String, channel: String = "mobile") -> JSONValue {
        [
            "id": .string(id), "type": "order.refunded", "channel": .string(channel), "occurred_at": .string(at),
            "refund": ["order_no": .string(order), "refund_no": .string("R-" + id), "amount": .string(amount), "refunded_at": .string(at)],
        ]
    }

    @Test("a code binds a new member once; the first paid order rewards both sides once, whatever is replayed")
    func firstOrder() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let (r, code) = try await Self.referrer(admin)
            #expect(code.count == 8)
            #expect(code.allSatisfy { !"01OI".contains($0) })
            let link = try await admin.call("referral.link", ["member_id": r])
            #expect(link["code"]?.stringValue == code)
            #expect(link["url"]?.stringValue == "https://shop.example.com/r/\(code)")
            let n = try await Self.signup(admin, "u-n", code: code.lowercased())
            #expect(try await admin.member(["member_id": n])["referral"]?["referred_by"] == r)
            var got = try await admin.call("referral.get", ["member_id": r])
            #expect(got["referred"]?.arrayValue?.first?["status"] == "bound")
            let order = Events.paid("o1", "mobile", order: "1", member: "u-n", amount: "150.00", at: When.at(days: -1))
            _ = try await admin.push("sh01", [order])
            #expect(try await admin.points(r).balance == 100)
            #expect(try await admin.points(n).balance == 150 + 50)
            got = try await admin.call("referral.get", ["member_id": r])
            #expect(got["referred"]?.arrayValue?.first?["status"] == "rewarded")
            #expect(got["referred"]?.arrayValue?.first?["points"] == 100)
            // Replays and later orders pay nothing twice.
            #expect(try await admin.push("sh01", [order])[0]["status"] == "duplicate")
            _ = try await admin.paid("o2", order: "2", member: "u-n", amount: "10.00", at: When.at(days: 0), channel: "mobile")
            #expect(try await admin.points(r).balance == 100)
            // An existing member is never bound again, by an upsert or by hand.
            let (_, other) = try await Self.referrer(admin, "u-r2")
            _ = try await admin.push(
                "sh01", [Events.upsert("reg-u-n-2", "mobile", "u-n", ["name": "新人", "referral_code": .string(other)], at: "2026-03-02T10:00:00+08:00")])
            #expect(try await admin.member(["member_id": n])["referral"]?["referred_by"] == r)
            #expect(
                await rpcError { try await admin.call("referral.bind", ["member_id": n, "code": .string(other), "reason": "x"]) }?.reason == "already_bound")
            // No binding to oneself, no cycles.
            #expect(
                await rpcError { try await admin.call("referral.bind", ["member_id": r, "code": .string(code), "reason": "x"]) }?.reason == "self_referral")
            let nCode = try await admin.call("referral.link", ["member_id": n])["code"]!
            #expect(await rpcError { try await admin.call("referral.bind", ["member_id": r, "code": nCode, "reason": "x"]) }?.reason == "referral_cycle")
            #expect(await rpcError { try await admin.call("referral.bind", ["member_id": r, "code": "ZZZZZZZZ", "reason": "x"]) }?.reason == "unknown_code")
            // An unknown code at signup binds nobody and says why in the member's history.
            let lost = try await Self.signup(admin, "u-lost", code: "ZZZZZZZZ")
            let history = try await admin.call("member.history", ["member_id": lost])["entries"]!.arrayValue!
            #expect(history.contains { $0["action"] == "referral_refused" && $0["detail"]?["reason"] == "unknown_code" })
            // By hand, audited: the operator's binding pays on the member's next order.
            let walkIn = try await admin.push("sh01", [Events.upsert("reg-w", "web", "u-w", ["name": "到店"])])[0]["member_id"]!
            _ = try await admin.call("referral.bind", ["member_id": walkIn, "code": .string(code), "reason": "told us at the till"])
            _ = try await admin.paid("o3", order: "3", member: "u-w", amount: "20.00", at: When.at(days: 0))
            #expect(try await admin.points(r).balance == 200)
            let stats = try await admin.call("referral.stats", [:])
            #expect(stats["bindings"] == 2)
            #expect(stats["rewarded"] == 2)
            #expect(stats["top"]?.arrayValue?.first?["member_id"] == r)
            #expect(stats["top"]?.arrayValue?.first?["points"] == 200)
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("tiers by the first order's amount, campaign window edges, long-term share, caps per referrer")
    func programme() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let from = When.at(days: -30), until = When.at(days: -20)
            let program = try await admin.call(
                "referral.program.set",
                [
                    "value": [
                        "referrer_points": 100, "referred_points": 50,
                        "tiers": [["min_order": "500", "referrer_points": 300, "referred_points": 150]],
                        "campaigns": [["name": "雙11", "from": .string(from), "until": .string(until), "referrer_points": 1_000, "referred_points": 0]],
                        "share_percent": 10, "share_months": 6, "cap_per_referrer_per_day": 1_100,
                    ]
                ])
            #expect(program["version"] == 1)
            let (r, code) = try await Self.referrer(admin)
            // Tier: a first order of ¥600.
            _ = try await Self.signup(admin, "u-t", code: code)
            _ = try await admin.paid("t1", order: "t1", member: "u-t", amount: "600.00", at: When.at(days: -300), channel: "mobile")
            #expect(try await admin.points(r).balance == 300)
            // Share: 10 % of a later order inside six months; nothing after.
            _ = try await admin.paid("t2", order: "t2", member: "u-t", amount: "200.00", at: When.at(days: -200), channel: "mobile")
            _ = try await admin.paid("t3", order: "t3", member: "u-t", amount: "200.00", at: When.at(days: -60), channel: "mobile")
            #expect(try await admin.points(r).balance == 320)
            // Campaign: a first order paid at `from` gets it, one paid at `until` does not.
            _ = try await Self.signup(admin, "u-c1", code: code)
            _ = try await admin.paid("c1", order: "c1", member: "u-c1", amount: "10.00", at: from, channel: "mobile")
            #expect(try await admin.points(r).balance == 1_320)
            _ = try await Self.signup(admin, "u-c2", code: code)
            _ = try await admin.paid("c2", order: "c2", member: "u-c2", amount: "10.00", at: until, channel: "mobile")
            #expect(try await admin.points(r).balance == 1_420)
            // Cap: three first orders on one day, 1,100 points a day at most for the referrer.
            for i in 1...3 {
                _ = try await Self.signup(admin, "u-d\(i)", code: code)
                _ = try await admin.paid("d\(i)", order: "d\(i)", member: "u-d\(i)", amount: "600.00", at: "2026-01-05T1\(i):00:00+08:00", channel: "mobile")
            }
            #expect(try await admin.points(r).balance == 1_420 + 300 + 300 + 300)
            // A new version (members left out take their defaults: 100 points, no tiers) with a lower cap.
            #expect(try await admin.call("referral.program.set", ["value": ["cap_per_referrer_per_day": 150]])["version"] == 2)
            for i in 4...5 {
                _ = try await Self.signup(admin, "u-d\(i)", code: code)
                _ = try await admin.paid("d\(i)", order: "d\(i)", member: "u-d\(i)", amount: "600.00", at: "2026-01-06T1\(i):00:00+08:00", channel: "mobile")
            }
            #expect(try await admin.points(r).balance == 2_320 + 100 + 50)
            #expect(await rpcError { try await admin.call("referral.program.set", ["value": ["link_template": "no code here"]]) }?.reason == "bad_setting")
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("a merge showing the referred member is the referrer voids the binding and takes both rewards back")
    func selfReferralByMerge() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let (r, code) = try await Self.referrer(admin)
            let n = try await Self.signup(admin, "u-n", code: code)
            _ = try await admin.paid("o1", order: "1", member: "u-n", amount: "100.00", at: When.at(days: -1), channel: "mobile")
            #expect(try await admin.points(r).balance == 100)
            let merged = try await admin.call("member.merge", ["member_id": r, "other_member_id": n, "reason": "same person"])
            let survivor = merged["member_id"]!
            // Only the order's own points are left: both rewards (100 + 50) were taken back.
            #expect(try await admin.points(survivor).balance == 100)
            let got = try await admin.call("referral.get", ["member_id": survivor])
            // The voided binding is listed among those the member made, never as the member referred by itself.
            #expect(got["referred_by"] == .null)
            #expect(got["referred"]?.arrayValue?.first?["status"] == "voided")
            #expect(got["referred"]?.arrayValue?.first?["void_reason"] == "self_referral")
            let kinds = try await admin.call("points.history", ["member_id": survivor])["entries"]!.arrayValue!.map { $0["kind"]!.stringValue! }
            #expect(kinds.filter { $0 == "reverse" }.count == 2)
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("a refund of the qualifying order inside the return window takes both rewards back; after it, nothing")
    func refundReversal() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let (r, code) = try await Self.referrer(admin)
            let a = try await Self.signup(admin, "u-a", code: code)
            _ = try await admin.paid("a1", order: "a1", member: "u-a", amount: "100.00", at: When.at(days: -3), channel: "mobile")
            _ = try await admin.push("sh01", [Self.refund("a1-r", order: "a1", amount: "100.00", at: When.at(days: -1))])
            #expect(try await admin.points(r).balance == 0)
            #expect(try await admin.points(a).balance == 0)
            let b = try await Self.signup(admin, "u-b", code: code)
            _ = try await admin.paid("b1", order: "b1", member: "u-b", amount: "100.00", at: When.at(days: -30), channel: "mobile")
            _ = try await admin.push("sh01", [Self.refund("b1-r", order: "b1", amount: "100.00", at: When.at(days: -1))])
            #expect(try await admin.points(r).balance == 100)
            #expect(try await admin.points(b).balance == 50)
            let stats = try await admin.call("referral.stats", [:])
            #expect(stats["voided"] == 1)
            #expect(stats["rewarded"] == 1)
            // With a return window on points, a first order's rewards wait in it: the binding is qualified.
            _ = try await admin.call("config.set", ["name": "points", "value": ["pending_days": 7]])
            _ = try await Self.signup(admin, "u-q", code: code)
            _ = try await admin.paid("q1", order: "q1", member: "u-q", amount: "100.00", at: When.at(days: -1), channel: "mobile")
            let referred = try await admin.call("referral.get", ["member_id": r])["referred"]!.arrayValue!
            #expect(referred.map { $0["status"]! } == ["voided", "rewarded", "qualified"])
            #expect(try await admin.points(r).pending == 100)
            #expect(try await admin.verify()["ok"] == true)
        }
    }
}
