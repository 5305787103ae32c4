import CRMClient
import CRMDomain
import CRMProtocol
import Testing

/// Pushes of several shops at once (they run in parallel; one shop's pushes run one after another).
@Suite("coupons in concurrent pushes")
struct CouponConcurrencyTests {
    static let shops = (1...8).map { "c\($0)" }

    /// Pushes `events(shop)` for every shop at once, each on its own connection; the results by shop.
    static func pushAll(_ server: TestServer, _ events: @escaping @Sendable (String) -> [JSONValue]) async throws -> [String: [JSONValue]] {
        try await withThrowingTaskGroup(of: (String, [JSONValue]).self) { group in
            for shop in shops {
                group.addTask {
                    let client = try await server.adminClient()
                    let r = try await client.push(shop, events(shop))
                    await client.close()
                    return (shop, r)
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
    }

    @Test("one coupon named by orders of eight shops at once is redeemed by exactly one; the others are rejected as used")
    func oneCode() async throws {
        try await withTestServer(poolSize: 10) { server in
            let admin = try await server.adminClient()
            let coupons = CouponFixture(server: server)
            for shop in Self.shops { _ = try await admin.call("shop.create", ["code": .string(shop), "name": .string(shop)]) }
            // One person, registered in every shop with the same phone: one member.
            var member: JSONValue = .null
            for shop in Self.shops {
                member = try await admin.push(shop, [Events.upsert("reg", "web", "u-1", ["name": "王小明", "phone": "13800138000"])])[0]["member_id"]!
            }
            try coupons.template("T5", yuan: 5)
            let code = try coupons.issue("T5", to: member)
            let results = try await Self.pushAll(server) { shop in
                [Events.paid("o", order: "o-" + shop, member: "u-1", amount: "100.00", coupons: [code], at: "2026-11-01T10:00:00+08:00")]
            }
            let statuses = results.values.map { $0[0]["status"]?.stringValue ?? "?" }
            #expect(statuses.filter { $0 == "applied" }.count == 1, "\(results)")
            #expect(results.values.filter { $0[0]["error"]?["data"]?["reason"] == "coupon_used" }.count == Self.shops.count - 1, "\(results)")
            #expect(try coupons.events(code) == ["issue", "redeem"])
            #expect(try await admin.verify()["ok"] == true)
            #expect(try coupons.booksProblems() == [])
        }
    }

    @Test("tier coupons of a budget-limited template issued by eight shops' pushes at once never pass the budget")
    func budget() async throws {
        try await withTestServer(poolSize: 10) { server in
            let admin = try await server.adminClient()
            let coupons = CouponFixture(server: server)
            for shop in Self.shops { _ = try await admin.call("shop.create", ["code": .string(shop), "name": .string(shop)]) }
            try coupons.template("T1", yuan: 1)
            try coupons.template("T3", yuan: 3)
            try coupons.template("T5", yuan: 5) { $0.budget = 5 }
            _ = try await TierRuleTests.rule(admin, tiers: [("100", "T3"), ("150", "T5")])
            _ = try await TierRuleTests.rule(admin, "every order", tiers: [("1", "T1")])
            // Each push: orders reaching T5 and T3 in both orders, so pushes want both templates.
            let results = try await Self.pushAll(server) { shop in
                (0..<6).map { i in
                    Events.paid("o\(i)", "web", order: "o\(i)", member: "u-\(i % 3)", amount: i % 2 == 0 ? "160.00" : "120.00", at: When.at(days: -1))
                }
            }
            #expect(results.values.allSatisfy { $0.allSatisfy { $0["status"] == "applied" } }, "\(results)")
            let issued = try server.database.withConnection { c in
                try c.query("SELECT template, count(*) FROM coupon GROUP BY template ORDER BY template").map {
                    "\(try $0.decode(String.self, at: 0)) \(try $0.decode(Int64.self, at: 1))"
                }
            }
            // T1: every order (48); T3: the orders of 120.00 (24); T5: the budget, not the 24 orders of 160.00.
            #expect(issued == ["T1 48", "T3 24", "T5 5"])
            #expect(try coupons.booksProblems() == [])
        }
    }
}
