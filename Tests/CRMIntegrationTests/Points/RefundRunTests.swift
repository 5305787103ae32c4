import CRMClient
import CRMDomain
import CRMProtocol
import Testing

@Suite("refunds of one push")
struct RefundRunTests {
    /// What a member's points look like to an operator: balance, pending, debt, and each entry's kind,
    /// points, shortfall and refund number, newest first.
    static func ledger(_ admin: RPCClient, _ member: JSONValue) async throws -> [String] {
        let p = try await admin.points(member)
        var lines = ["balance \(p.balance) pending \(p.pending) debt \(p.debt)"]
        for e in try await admin.call("points.history", ["member_id": member, "limit": 200])["entries"]?.arrayValue ?? [] {
            lines.append(
                "\(e["kind"]?.stringValue ?? "-") \(e["points"]?.int64Value ?? 0) shortfall \(e["shortfall"]?.int64Value ?? 0) \(e["refund_no"]?.stringValue ?? "-")"
            )
        }
        return lines
    }

    @Test(
        "many refunds in one push end exactly as the same refunds pushed one at a time",
        arguments: ["within_balance", "allow_negative", "pending_only"])
    func sameAsOneAtATime(policy: String) async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.call("config.set", ["name": "points", "value": ["refund_policy": .string(policy), "pending_days": 3]])
            var rng = SplitMix64(seed: 11)
            let accounts = (0..<4).map { "u-\($0)" }
            var orders: [(no: String, account: String, fen: Int64, days: Double)] = []
            for n in 0..<12 {
                orders.append(("o\(n)", accounts[n % accounts.count], Int64.random(in: 1_000...90_000, using: &rng), -Double.random(in: 0...10, using: &rng)))
            }
            // The same history in both shops: orders (some still pending), then some points spent.
            var members: [String: [String: JSONValue]] = [:]
            for shop in ["sh01", "sh02"] {
                let placed = try await admin.push(
                    shop,
                    orders.map { o in
                        Events.paid("p-\(o.no)", "web", order: o.no, member: o.account, amount: Money.format(fen: o.fen), at: When.at(days: o.days))
                    })
                #expect(placed.allSatisfy { $0["status"] == "applied" })
                for (o, r) in zip(orders, placed) { members[shop, default: [:]][o.account] = r["member_id"]! }
                for (i, account) in accounts.enumerated() where i % 2 == 0 {
                    _ = try await admin.redeem(members[shop]![account]!, 150, key: "\(shop)-spend-\(account)")
                }
            }
            // Refunds: several of one order, some more than is left, a number used twice, an unknown order.
            var refunds: [JSONValue] = []
            for n in 0..<30 {
                let o = orders.randomElement(using: &rng)!
                let fen = Int64.random(in: 1...(o.fen / 2), using: &rng)
                switch n {
                case 17: refunds.append(Events.refunded("r\(n)", "web", order: o.no, refund: "R0", amount: "0.01"))
                case 23: refunds.append(Events.refunded("r\(n)", "web", order: "nope", refund: "R\(n)", amount: "0.01"))
                default: refunds.append(Events.refunded("r\(n)", "web", order: o.no, refund: "R\(n)", amount: Money.format(fen: fen)))
                }
            }
            let together = try await admin.push("sh01", refunds)
            var apart: [JSONValue] = []
            for r in refunds { apart += try await admin.push("sh02", [r]) }

            #expect(together.map { $0["status"] } == apart.map { $0["status"] })
            #expect(together.map { $0["error"]?["data"]?["reason"] } == apart.map { $0["error"]?["data"]?["reason"] })
            #expect(together.map { $0["error"]?["message"] } == apart.map { $0["error"]?["message"] })
            let statuses = Set(together.compactMap { $0["status"]?.stringValue })
            #expect(statuses == ["applied", "rejected"])
            let reasons = Set(together.compactMap { $0["error"]?["data"]?["reason"]?.stringValue })
            #expect(reasons == ["refund_exceeds_order", "refund_exists", "order_not_found"])
            for account in accounts {
                let one = try await Self.ledger(admin, members["sh01"]![account]!)
                let other = try await Self.ledger(admin, members["sh02"]![account]!)
                #expect(one == other, "\(account) under \(policy)")
                #expect(one.contains { $0.hasPrefix("reverse") }, "\(account) had points taken back")
            }
            #expect(try await admin.verify()["ok"] == true)
        }
    }
}
