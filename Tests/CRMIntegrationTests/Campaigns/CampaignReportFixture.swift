import CRMClient
import CRMDomain
import CRMJSON
import CRMPostgres
import CRMProtocol
import CRMStorage
import Testing

/// The members, orders, rewards and (as test support) the campaign rows of `CampaignReportTests`.
extension CampaignReportTests {
    static let phones = ["k3": "13912340013", "a4": "13912340004"]

    static func at(_ day: String) -> String { "2026-\(day)T12:00:00+08:00" }

    /// Pushes the members in an order that makes the intended survivors the older ones (y before
    /// p3, p1 before p2), plus a4's later mobile account and k3's sh02 account (merged by phone at
    /// once); returns member ids by name.
    static func members(_ admin: RPCClient) async throws -> [String: Int64] {
        let names = ["y", "p1", "k1", "k2", "k3", "k4", "k5", "a1", "a2", "a3", "a4", "a5", "p2", "p3", "p4", "p5"]
        let events = names.map { n -> JSONValue in
            var m: JSONObject = ["name": .string("活動會員\(n)")]
            if let phone = phones[n] { m["phone"] = .string(phone) }
            return Events.upsert("u-\(n)", "web", "x-\(n)", m, at: "2026-05-01T10:00:00+08:00")
        }
        let results = try await admin.push("sh01", events)
        try #require(results.allSatisfy { $0["status"] == "applied" }, "\(results)")
        var ids: [String: Int64] = [:]
        for (n, r) in zip(names, results) { ids[n] = Int64(r["member_id"]!.stringValue!)! }
        let a4m = try await admin.push(
            "sh01", [Events.upsert("u-a4m", "mobile", "m-a4", ["name": "活動會員a4", "phone": .string(phones["a4"]!)], at: "2026-05-02T10:00:00+08:00")])
        let k3s = try await admin.push(
            "sh02", [Events.upsert("u-k3s", "web", "s2-k3", ["name": "活動會員k3", "phone": .string(phones["k3"]!)], at: "2026-05-02T10:00:00+08:00")])
        try #require(a4m.first?["member_id"]?.stringValue == String(ids["a4"]!) && k3s.first?["member_id"]?.stringValue == String(ids["k3"]!))
        return ids
    }

    /// Every order of the table, and the refunds (k4's whole order, ¥30 of a2's).
    static func orders(_ admin: RPCClient) async throws {
        let sh01: [(String, String, String, String)] = [
            ("k1", "08-01", "50.00", "web"), ("k1", "09-05", "100.00", "web"), ("k2", "09-12", "80.00", "web"), ("k2", "09-20", "60.00", "web"),
            ("k4", "09-06", "200.00", "web"), ("k5", "09-05", "500.00", "web"), ("a1", "07-01", "20.00", "web"), ("a1", "09-02", "150.00", "web"),
            ("a1", "09-04", "50.00", "web"), ("a2", "09-08", "100.00", "web"), ("a3", "09-16", "90.00", "web"), ("a4", "09-07", "120.00", "mobile"),
            ("p1", "09-03", "80.00", "web"), ("y", "06-01", "10.00", "web"), ("y", "09-09", "40.00", "web"), ("p5", "09-05", "30.00", "web"),
        ]
        let events = sh01.enumerated().map { i, o in
            Events.paid("o\(i)", o.3, order: "N\(i)", member: o.3 == "mobile" ? "m-\(o.0)" : "x-\(o.0)", amount: o.2, at: at(o.1))
        }
        var results = try await admin.push("sh01", events + [refund("r1", order: "N4", amount: "200.00"), refund("r2", order: "N9", amount: "30.00")])
        results += try await admin.push("sh02", [Events.paid("s0", "web", order: "S0", member: "s2-k3", amount: "300.00", at: at("09-03"))])
        try #require(results.allSatisfy { $0["status"] == "applied" }, "\(results.filter { $0["status"] != "applied" })")
    }

    static func refund(_ id: String, order: String, amount: String) -> JSONValue {
        [
            "id": .string(id), "type": "order.refunded", "channel": "web", "occurred_at": .string(at("09-10")),
            "refund": ["order_no": .string(order), "refund_no": .string("R-" + id), "amount": .string(amount), "refunded_at": .string(at("09-10"))],
        ]
    }

    /// The campaign's coupons (a1–a4 on occasion 1, a3 again on occasion 2; a1's and a2's
    /// redeemed) and points (p1–p3 on occasion 1, p4 on occasion 2), as the launch would give
    /// them; returns coupon and points entry ids by "occasion/member".
    static func rewards(_ admin: RPCClient, _ server: TestServer, _ ids: [String: Int64]) async throws -> (coupons: [String: Int64], entries: [String: Int64]) {
        _ = try await admin.template("秋5", value: "5.00", ["per_member_limit": 2])
        var coupons: [String: Int64] = [:]
        for key in ["1/a1", "1/a2", "1/a3", "1/a4", "2/a3"] {
            let member = String(key.dropFirst(2))
            let code = try await admin.issueCoupon("秋5", to: .string(String(ids[member]!)), key: "c-" + key)
            if ["a1", "a2"].contains(member) { _ = try await admin.redeemCoupon(code, amount: "150.00", key: "r-" + key) }
            coupons[key] = try server.database.withConnection { c in
                try c.query("SELECT id FROM coupon WHERE code = $1", [.text(code)]).single!.decode(Int64.self, at: 0)
            }
        }
        var entries: [String: Int64] = [:]
        for key in ["1/p1", "1/p2", "1/p3", "2/p4"] {
            let member = String(key.dropFirst(2))
            let r = try await admin.call(
                "points.adjust", ["member_id": .string(String(ids[member]!)), "points": 200, "idempotency_key": .string("p-" + key), "reason": "campaign"])
            entries[key] = r["entry_id"]!.int64Value!
        }
        return (coupons, entries)
    }

    /// TEST SUPPORT: the campaign, its members' arms, two occasions and the touches, inserted as a
    /// launch and its second wave record them (the launch itself is another part's method).
    static func insertCampaign(_ server: TestServer, _ ids: [String: Int64], coupons: [String: Int64], entries: [String: Int64]) throws {
        var plan = CampaignPlan(variants: [.init(name: "coupon", action: .coupon(template: "秋5")), .init(name: "points", action: .points(200))])
        plan.waves = .init(everyDays: 14, retouches: 1)
        plan.scope = .init(shops: ["sh01"])
        let touches: [(Int, String, String, String)] = [
            (1, "k1", "control", "held_out"), (1, "k2", "control", "held_out"), (1, "k3", "control", "held_out"), (1, "k4", "control", "held_out"),
            (1, "k5", "control", "no_consent"), (1, "a1", "coupon", "touched"), (1, "a2", "coupon", "touched"), (1, "a3", "coupon", "touched"),
            (1, "a4", "coupon", "touched"), (1, "a5", "coupon", "no_consent"), (1, "p1", "points", "touched"), (1, "p2", "points", "touched"),
            (1, "p3", "points", "touched"), (1, "p4", "points", "budget"), (1, "p5", "points", "refused"),
            (2, "k2", "control", "held_out"), (2, "k3", "control", "held_out"), (2, "k4", "control", "held_out"), (2, "a3", "coupon", "touched"),
            (2, "p4", "points", "touched"),
        ]
        try server.database.withConnection { c in
            let id: Int64 = try c.query(
                """
                INSERT INTO campaign (name, segment, definition, seed, status, touched, created_by, launched_at)
                VALUES ($1, 'autumn', $2::jsonb, 42, 'running', 9, 'test', '2026-09-01T00:00:00+08:00') RETURNING id
                """, [.text(name), .text(JSONSerializer.serialize(CampaignPlanDefinition.render(plan)))]
            ).single!.decode(at: 0)
            for n in ["k1", "k2", "k3", "k4", "k5", "a1", "a2", "a3", "a4", "a5", "p1", "p2", "p3", "p4", "p5"] {
                let arm = n.hasPrefix("k") ? "control" : n.hasPrefix("a") ? "coupon" : "points"
                try c.query("INSERT INTO campaign_member (campaign_id, member_id, arm) VALUES ($1, $2, $3)", [.int(id), .int(ids[n]!), .text(arm)])
            }
            try c.query(
                """
                INSERT INTO campaign_occasion (campaign_id, occasion, started_at, cursor, total, done, finished_at)
                VALUES ($1, 1, '2026-09-01T00:00:00+08:00', $2, 15, true, '2026-09-01T00:10:00+08:00'),
                       ($1, 2, '2026-09-15T00:00:00+08:00', $2, 5, true, '2026-09-15T00:10:00+08:00')
                """, [.int(id), .int(ids.values.max()!)])
            for (occasion, n, arm, status) in touches {
                let key = "\(occasion)/\(n)"
                try c.query(
                    "INSERT INTO campaign_touch (campaign_id, occasion, member_id, arm, status, coupon_id, entry_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    [.int(id), .int(Int64(occasion)), .int(ids[n]!), .text(arm), .text(status), .optional(coupons[key]), .optional(entries[key])])
            }
        }
    }

    /// After the launch an operator finds two pairs to be one person each: p1 and p2 (both in the
    /// campaign; p1, the older, survives) and y and p3 (y, not in the campaign, survives).
    static func merge(_ admin: RPCClient, _ server: TestServer, _ ids: [String: Int64]) async throws {
        for (a, b) in [("p1", "p2"), ("y", "p3")] {
            _ = try await admin.call(
                "member.merge", ["member_id": .string(String(ids[a]!)), "other_member_id": .string(String(ids[b]!)), "reason": "same person"])
        }
        let merged = try server.database.withConnection { c in
            try c.query("SELECT id, merged_into FROM member WHERE id = ANY($1::bigint[]) ORDER BY id", [.intArray([ids["p2"]!, ids["p3"]!])]).map {
                "\(try $0.decode(Int64.self, at: 0))>\(try $0.decode(Int64?.self, at: 1).map(String.init) ?? "-")"
            }
        }
        try #require(merged == ["\(ids["p2"]!)>\(ids["p1"]!)", "\(ids["p3"]!)>\(ids["y"]!)"])
    }
}
