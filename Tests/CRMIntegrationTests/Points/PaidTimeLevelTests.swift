import CRMClient
import CRMPostgres
import CRMProtocol
import Testing

/// Points earned at the level the member held when each order was paid: the books are a function
/// of the data, whatever order two shops' pushes arrive in.
@Suite("earning at the level held when paid, over the real server")
struct PaidTimeLevelTests {
    /// One person with an account in each shop (the same phone), and three paid orders per shop.
    static let shop1: [JSONValue] = [
        Events.upsert("a-r", "web", "u-a", ["name": "王小明", "phone": "13800138001"]),
        Events.paid("a-1", "web", order: "A1", member: "u-a", amount: "1500.00", at: When.at(days: -10)),
        Events.paid("a-2", "web", order: "A2", member: "u-a", amount: "100.00", at: When.at(days: -6)),
        Events.paid("a-3", "web", order: "A3", member: "u-a", amount: "100.00", at: When.at(days: -2)),
    ]
    static let shop2: [JSONValue] = [
        Events.upsert("b-r", "mobile", "u-b", ["name": "王小明", "phone": "13800138001"]),
        Events.paid("b-1", "mobile", order: "B1", member: "u-b", amount: "1000.00", at: When.at(days: -8)),
        Events.paid("b-2", "mobile", order: "B2", member: "u-b", amount: "3000.00", at: When.at(days: -4)),
        Events.paid("b-3", "mobile", order: "B3", member: "u-b", amount: "100.00", at: When.at(days: -1)),
    ]

    /// Pushes `pushes` (shop, events) in order on a fresh server; returns the member's balance and
    /// debt, the points each order earned in the end (its earning plus any re-rating, less refunds),
    /// and each order's points by entry kind (`"A2 earn"`, `"A2 reverse"`).
    static func outcome(
        _ pushes: [(String, [JSONValue])], points config: JSONValue? = nil
    ) async throws
        -> (balance: Int64, pending: Int64, debt: Int64, perOrder: [String: Int64], perKind: [String: Int64])
    {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            if let config { _ = try await admin.call("config.set", ["name": "points", "value": config]) }
            for (shop, events) in pushes {
                let results = try await admin.push(shop, events)
                precondition(results.allSatisfy { $0["status"] == "applied" }, "\(results)")
            }
            let member = try await admin.member(["shop": "sh01", "channel": "web", "external_id": "u-a"])["member_id"]!
            let other = try await admin.member(["shop": "sh02", "channel": "mobile", "external_id": "u-b"])["member_id"]!
            precondition(member == other, "one person, one member")
            var perOrder: [String: Int64] = [:]
            var perKind: [String: Int64] = [:]
            for e in try await admin.call("points.history", ["member_id": member, "limit": 100])["entries"]!.arrayValue! {
                guard let order = e["order"]?["order_no"]?.stringValue else { continue }
                perOrder[order, default: 0] += e["points"]!.int64Value!
                perKind[order + " " + e["kind"]!.stringValue!, default: 0] += e["points"]!.int64Value!
            }
            #expect(try await admin.verify()["ok"] == true)
            let points = try await admin.points(member)
            return (points.balance, points.pending, points.debt, perOrder, perKind)
        }
    }

    @Test("the same events in four interleavings give the same balance and the same points per order, each at the level held when paid")
    func interleavings() async throws {
        // Paid in this order: A1 1500 (regular), B1 1000 (regular), A2 100 (senior from 2,500: ×1.2),
        // B2 3000 (senior), A3 100 (vip from 5,600: ×1.5), B3 100 (vip).
        let expected: [String: Int64] = ["A1": 1500, "B1": 1000, "A2": 120, "B2": 3600, "A3": 150, "B3": 150]
        let oneByOne = zip(Self.shop1, Self.shop2).flatMap { [("sh01", [$0.0]), ("sh02", [$0.1])] }
        let newestFirst: [(String, [JSONValue])] =
            [("sh01", [Self.shop1[0]]), ("sh02", [Self.shop2[0]])]
            + zip(Self.shop1.dropFirst().reversed(), Self.shop2.dropFirst().reversed()).flatMap { [("sh02", [$0.1]), ("sh01", [$0.0])] }
        for pushes in [[("sh01", Self.shop1), ("sh02", Self.shop2)], [("sh02", Self.shop2), ("sh01", Self.shop1)], oneByOne, newestFirst] {
            let got = try await Self.outcome(pushes)
            #expect(got.perOrder == expected, "\(pushes.map(\.0))")
            #expect(got.balance == 6_520)
        }
    }

    @Test("a refund of a re-rated order takes back what it earned in the end")
    func refundAfterRerating() async throws {
        // A2 earns 100 when it arrives (its shop first) and is re-rated to 120 when B1 arrives.
        let refund = ReferralTests.refund("a-2-r", order: "A2", amount: "100.00", at: When.at(days: 0), channel: "web")
        let got = try await Self.outcome([("sh01", Self.shop1), ("sh02", Self.shop2), ("sh01", [refund])])
        #expect(got.perOrder["A2"] == 0)
        #expect(got.balance == 6_520 - 120)
    }

    /// Shop 1's refunds: A2 refunded in part (33 of 100, then 17 more), A3 in full, each after its
    /// order in the shop's stream.
    static let refundA2 = ReferralTests.refund("a-2-r", order: "A2", amount: "33.00", at: When.at(days: -5), channel: "web")
    static let refundA3 = ReferralTests.refund("a-3-r", order: "A3", amount: "100.00", at: When.at(days: -1.5), channel: "web")
    static let refundA2Again = ReferralTests.refund("a-2-s", order: "A2", amount: "17.00", at: When.at(days: -0.5), channel: "web")

    @Test(
        "orders refunded (in part, in full) before an earlier-paid order arrives end as if everything had come in paid order",
        arguments: [("within_balance", 0), ("allow_negative", 30), ("pending_only", 30), ("pending_only", 0)])
    func refundedBeforeTheEarlierOrder(policy: String, pendingDays: Int64) async throws {
        // Paid order: A2 earns 120 at senior; its refunds take back ⌊120 × 33/100⌋ = 39, then
        // ⌊120 × 50/100⌋ − 39 = 21. A3 earns 150 at vip and its full refund takes all 150. Under
        // pending_only a refund takes only from a pending lot: with no pending days it takes nothing.
        let takes = policy != "pending_only" || pendingDays > 0
        let expected: [String: Int64] = [
            "A1 earn": 1500, "B1 earn": 1000, "A2 earn": 120, "A2 reverse": takes ? -60 : 0, "B2 earn": 3600,
            "A3 earn": 150, "A3 reverse": takes ? -150 : 0, "B3 earn": 150,
        ]
        let (s1, s2) = (Self.shop1, Self.shop2)
        let stream1 = [s1[0], s1[1], s1[2], Self.refundA2, s1[3], Self.refundA3, Self.refundA2Again]
        var alternating: [(String, [JSONValue])] = []
        for k in 0..<stream1.count {
            alternating.append(("sh01", [stream1[k]]))
            if k < s2.count { alternating.append(("sh02", [s2[k]])) }
        }
        let interleavings: [[(String, [JSONValue])]] = [
            // Shop 1 first: A2 and A3 earn at regular, are refunded, then B1 and B2 re-rate them.
            [("sh01", stream1), ("sh02", s2)],
            [("sh02", s2), ("sh01", stream1)],
            alternating,
            // A2 refunded at regular, then re-rated; A3 earns at senior, refunded in full, then re-rated to vip.
            [
                ("sh01", Array(stream1[0...3])), ("sh02", Array(s2[0...1])), ("sh01", Array(stream1[4...5])), ("sh02", Array(s2[2...3])),
                ("sh01", [stream1[6]]),
            ],
        ]
        var outcomes: Set<String> = []
        for pushes in interleavings {
            let got = try await Self.outcome(pushes, points: ["refund_policy": .string(policy), "pending_days": .int(pendingDays)])
            #expect(got.perKind == expected, "\(pushes.map { ($0.0, $0.1.count) })")
            #expect(got.balance + got.pending == (takes ? 6_520 - 60 - 150 : 6_520))
            #expect(got.debt == 0)
            outcomes.insert("\(got.balance) \(got.pending) \(got.debt) \(got.perKind.sorted { $0.key < $1.key })")
        }
        #expect(outcomes.count == 1, "\(outcomes)")
    }

    @Test("a refund racing the push that re-rates its order takes back its share of what the order earns in the end")
    func refundRacingRerating() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.push("sh01", [Self.shop1[0], Self.shop1[1], Self.shop1[2]])  // A2 earns 100 at regular
            _ = try await admin.push("sh02", [Self.shop2[0]])
            // Hold the levels, so that shop 2's late order (B1, paid before A2, re-rates A2 to senior
            // and then raises the member) waits with its re-rating written but not committed; shop 1's
            // refund of A2 comes meanwhile and must count what A2 earns once that push commits.
            let blocker = try PostgresConnection(configuration: server.database.configuration)
            defer { blocker.close() }
            try blocker.query("BEGIN")
            try blocker.query("LOCK TABLE member_level IN EXCLUSIVE MODE")
            func waitForWaiters(_ n: Int) async throws {
                var waiting = 0
                for _ in 0..<3_000 where waiting < n {
                    waiting = try await server.database.scalar(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
                    if waiting < n { try await Task.sleep(nanoseconds: 10_000_000) }
                }
                #expect(waiting >= n)
            }
            let late = Task { try await server.adminClient().push("sh02", [Self.shop2[1]]) }
            try await waitForWaiters(1)
            let refund = Task { try await server.adminClient().push("sh01", [Self.refundA2]) }
            try await waitForWaiters(2)
            try blocker.query("COMMIT")
            #expect(try await late.value.allSatisfy { $0["status"] == "applied" })
            #expect(try await refund.value.allSatisfy { $0["status"] == "applied" })
            let member = try await admin.member(["shop": "sh01", "channel": "web", "external_id": "u-a"])["member_id"]!
            var a2: [String: Int64] = [:]
            for e in try await admin.call("points.history", ["member_id": member, "limit": 100])["entries"]!.arrayValue!
            where e["order"]?["order_no"] == "A2" {
                a2[e["kind"]!.stringValue!, default: 0] += e["points"]!.int64Value!
            }
            // 120 at senior; the refund of 33 of 100 takes ⌊120 × 33/100⌋ = 39, as in paid order.
            #expect(a2 == ["earn": 120, "reverse": -39])
            #expect(try await admin.verify()["ok"] == true)
        }
    }
}
