import CRMClient
import CRMProtocol
import Foundation
import Testing

/// Amounts at their limits against a crmd process: points add up with checked arithmetic and stop
/// at the configured limits, with a clear error where nothing can be done, and crmd keeps running.
@Suite("points at the limits of Int64, against a crmd process")
struct PointsOverflowTests {
    static let maxAmount = "100000000000.00"  // Money.maxFen in yuan

    /// A crmd over a fresh database whose points setting earns 1,000 points per yuan.
    static func withCRMD(_ body: (TestDatabase, RunningCRMD, RPCClient) async throws -> Void) async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            let admin = try await crmd.adminClient()
            _ = try await admin.call("config.set", ["name": "points", "value": ["earn_rate": "1000"]])
            try await body(db, crmd, admin)
            // Still serving.
            let health = try await crmd.adminClient()
            #expect(try await health.call("server.health", [:])["status"] != nil)
            await health.close()
            await admin.close()
        }
    }

    @Test("1,000 rules at 10,000 % on an order at the maximum amount: the push applies, the order earns at most max_points_per_order")
    func thousandRules() async throws {
        try await Self.withCRMD { _, _, admin in
            for i in 0..<1_000 {
                _ = try await admin.call("points.rule.add", ["name": .string("x\(i)"), "multiplier_percent": 10_000])
            }
            let r = try await admin.push("sh01", [Events.paid("big", "web", order: "big", member: "u-big", amount: Self.maxAmount, at: When.at(days: -1))])
            #expect(r.first?["status"] == "applied")
            let member = r.first!["member_id"]!
            let points = try await admin.points(member)
            #expect(points.balance == 1_000_000_000)
            let earn = try await admin.call("points.history", ["member_id": member])["entries"]!.arrayValue!.first!
            #expect(earn["explanation"]?["limit"]?["name"] == "max_points_per_order")
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("orders at the maximum amount never take a balance past max_balance, however many")
    func manyLargeOrders() async throws {
        try await Self.withCRMD { _, _, admin in
            _ = try await admin.call("points.rule.add", ["name": "x", "multiplier_percent": 10_000])
            _ = try await admin.call("config.set", ["name": "points", "value": ["earn_rate": "1000", "max_balance": 2_500_000_000]])
            var events: [JSONValue] = []
            for i in 0..<100 { events.append(Events.paid("o\(i)", "web", order: "o\(i)", member: "u-1", amount: Self.maxAmount, at: When.at(days: -1))) }
            let r = try await admin.push("sh01", events)
            #expect(r.allSatisfy { $0["status"] == "applied" })
            let member = r.first!["member_id"]!
            #expect(try await admin.points(member).balance == 2_500_000_000)
            // An operator's credit past the limit is refused, changing nothing.
            let refused = await rpcError { try await admin.adjust(member, 1, key: "over") }
            #expect(refused?.reason == "balance_limit")
            #expect(try await admin.points(member).balance == 2_500_000_000)
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("a balance near Int64.max (lots written before the limits): points.get, even for an analyst, and points.redeem answer a clear error")
    func balanceNearMax() async throws {
        try await Self.withCRMD { db, crmd, admin in
            let member = try await admin.paid("o1", order: "o1", member: "u-1", amount: "1.00", at: When.at(days: -1))
            _ = try await admin.paid("o2", order: "o2", member: "u-1", amount: "1.00", at: When.at(days: -1))
            // Two lots of 2^62 each: each fits, their sum does not.
            try db.withConnection { c in
                _ = try c.query("UPDATE points_lot SET amount = 4611686018427387904, remaining = 4611686018427387904")
                _ = try c.query("UPDATE points_entry SET points = 4611686018427387904 WHERE kind = 'earn'")
                _ = try c.query("UPDATE points_entry_lot SET points = 4611686018427387904")
            }
            let got = await rpcError { try await admin.call("points.get", ["member_id": member]) }
            #expect(got?.reason == "points_out_of_range")
            let analystToken = try await admin.call("token.create", ["role": "analyst"])["token"]!.stringValue!
            let analyst = try await RPCClient.connect(host: "127.0.0.1", port: crmd.port)
            _ = try await analyst.call("session.hello", ["token": .string(analystToken)])
            #expect(await rpcError { try await analyst.call("points.get", ["member_id": member]) }?.reason == "points_out_of_range")
            await analyst.close()
            let redeem = await rpcError { try await admin.redeem(member, 1, key: "r1") }
            #expect(redeem?.reason == "points_out_of_range")
            let spent = try db.withConnection { try $0.query("SELECT count(*) FROM points_entry WHERE kind = 'spend'").single!.decode(Int64.self, at: 0) }
            #expect(spent == 0)
            let page = await rpcError { try await admin.call("member.get", ["member_id": member]) }
            #expect(page == nil || page?.reason == "points_out_of_range")
            // The ledger itself still adds up (in numeric), and verify says so rather than failing.
            let verified = try await admin.verify()
            #expect(verified["ok"] == true, "\(verified)")
        }
    }
}
