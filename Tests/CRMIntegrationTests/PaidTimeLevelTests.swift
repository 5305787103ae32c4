import CRMClient
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
    /// the points each order earned in the end (its earning plus any re-rating, less refunds).
    static func outcome(_ pushes: [(String, [JSONValue])]) async throws -> (balance: Int64, perOrder: [String: Int64]) {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            for (shop, events) in pushes {
                let results = try await admin.push(shop, events)
                precondition(results.allSatisfy { $0["status"] == "applied" }, "\(results)")
            }
            let member = try await admin.member(["shop": "sh01", "channel": "web", "external_id": "u-a"])["member_id"]!
            let other = try await admin.member(["shop": "sh02", "channel": "mobile", "external_id": "u-b"])["member_id"]!
            precondition(member == other, "one person, one member")
            var perOrder: [String: Int64] = [:]
            for e in try await admin.call("points.history", ["member_id": member, "limit": 100])["entries"]!.arrayValue! {
                guard let order = e["order"]?["order_no"]?.stringValue else { continue }
                perOrder[order, default: 0] += e["points"]!.int64Value!
            }
            #expect(try await admin.verify()["ok"] == true)
            return (try await admin.points(member).balance, perOrder)
        }
    }

    @Test("the same events in four interleavings give the same balance and the same points per order, each at the level held when paid")
    func interleavings() async throws {
        // Paid in this order: A1 1500 (regular), B1 1000 (regular), A2 100 (senior from 2,500: ×1.2),
        // B2 3000 (senior), A3 100 (vip from 5,600: ×1.5), B3 100 (vip).
        let expected: [String: Int64] = ["A1": 1500, "B1": 1000, "A2": 120, "B2": 3600, "A3": 150, "B3": 150]
        let oneByOne = zip(Self.shop1, Self.shop2).flatMap { [("sh01", [$0.0]), ("sh02", [$0.1])] }
        let newestFirst: [(String, [JSONValue])] = [("sh01", [Self.shop1[0]]), ("sh02", [Self.shop2[0]])]
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
}
