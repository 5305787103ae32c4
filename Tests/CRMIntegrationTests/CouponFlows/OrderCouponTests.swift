import CRMClient
import CRMDomain
import CRMProtocol
import Testing

/// Coupons named in `order.paid`: redeemed in the order's transaction, or the event is rejected
/// with the reason and leaves nothing behind.
@Suite("coupons in order.paid")
struct OrderCouponTests {
    /// A member (account `u-1` of sh01/web) with a first order, and their points.
    static func member(_ admin: RPCClient) async throws -> JSONValue {
        try await admin.paid("first", order: "first", member: "u-1", amount: "10.00", at: When.at(days: -2))
    }

    @Test("a usable coupon is redeemed with the order: the order's id on the coupon, the discount kept, points earned as without it")
    func accepted() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let coupons = CouponFixture(server: server)
            try coupons.template("T3", yuan: 3) { $0.minSpendFen = 10_000 }
            let m = try await Self.member(admin)
            let code = try coupons.issue("T3", to: m)
            let start = try await admin.points(m)
            let before = start.balance + start.pending
            let r = try await admin.push("sh01", [Events.paid("o1", order: "1", member: "u-1", amount: "120.00", coupons: [code.lowercased()])])
            #expect(r[0]["status"] == "applied", "\(r[0])")
            #expect(r[0]["member_id"] == m)
            let order = try #require(try coupons.order("1"))
            let c = try coupons.coupon(code)
            #expect(c.status == "redeemed" && c.order == order && c.discountFen == 300)
            #expect(try coupons.events(code) == ["issue", "redeem"])
            // The same order without a coupon earns the same points.
            let plain = try await admin.paid("o2", order: "2", member: "u-1", amount: "120.00", at: When.at(days: -1))
            let after = try await admin.points(plain)
            let earned = after.balance + after.pending - before
            #expect(earned > 0 && earned % 2 == 0, "two equal orders earn equal points: \(earned)")
        }
    }

    @Test("a coupon out of scope, expired, used, unknown or someone else's rejects its event with the reason; no order, no points")
    func rejected() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let coupons = CouponFixture(server: server)
            // Stackable, so that each order may name a good coupon and the one at fault.
            try coupons.template("SH02") {
                $0.scope = CouponScope(shops: ["sh02"])
                $0.stackable = true
            }
            try coupons.template("SHOES") {
                $0.scope = CouponScope(categories: ["shoes"])
                $0.stackable = true
            }
            try coupons.template("T3") { $0.stackable = true }
            let m = try await Self.member(admin)
            let other = try await admin.paid("x", order: "x", member: "u-2", amount: "10.00", at: When.at(days: -2))
            let wrongShop = try coupons.issue("SH02", to: m)
            let wrongItems = try coupons.issue("SHOES", to: m)
            let expired = try coupons.issue("T3", to: m)
            try coupons.makeExpired(expired)
            let used = try coupons.issue("T3", to: m)
            let theirs = try coupons.issue("T3", to: other)
            let good = try coupons.issue("T3", to: m)
            let r0 = try await admin.push("sh01", [Events.paid("u", order: "u", member: "u-1", amount: "50.00", coupons: [used])])
            #expect(r0[0]["status"] == "applied")
            let points = try await admin.points(m)
            let unknown = "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
            let cases: [(String, String, Int64)] = [
                (wrongShop, "out_of_scope", -32010), (wrongItems, "out_of_scope", -32010), (expired, "coupon_expired", -32010),
                (used, "coupon_used", -32010), (theirs, "coupon_other_member", -32010), (unknown, "coupon_not_found", -32004),
            ]
            // Each in a push with a plain order before and after it: those apply.
            var pushed: [JSONValue] = []
            for (i, (code, reason, errorCode)) in cases.enumerated() {
                pushed.append(Events.paid("c\(i)", order: "c\(i)", member: "u-1", amount: "150.00", coupons: [good, code]))
                let r = try await admin.push(
                    "sh01",
                    [
                        Events.paid("a\(i)", "web", order: "a\(i)", member: "u-3", amount: "20.00", at: When.at(days: -1)),
                        pushed[i],
                        Events.paid("b\(i)", "web", order: "b\(i)", member: "u-3", amount: "20.00", at: When.at(days: -1)),
                    ])
                #expect(r.map { $0["status"] } == ["applied", "rejected", "applied"], "\(code): \(r)")
                #expect(r[1]["error"]?["data"]?["reason"]?.stringValue == reason, "\(r[1])")
                #expect(r[1]["error"]?["code"]?.int64Value == errorCode, "\(r[1])")
                #expect(r[1]["error"]?["data"]?["field"] == "events[1].order.coupons[1]", "\(r[1])")
                #expect(try coupons.order("c\(i)") == nil)
                #expect(try coupons.coupon(good).status == "usable", "the other coupon of the rejected order is not used")
            }
            let after = try await admin.points(m)
            #expect(after.balance == points.balance && after.pending == points.pending)
            #expect(try coupons.coupon(wrongShop).status == "usable" && coupons.coupon(expired).status == "usable")
            // A replay answers the same, and the corrected event (a new event id) applies.
            let again = try await admin.push("sh01", [pushed[0]])
            #expect(again[0]["status"] == "duplicate" && again[0]["error"]?["data"]?["reason"] == "out_of_scope", "\(again[0])")
            let fixed = try await admin.push("sh01", [Events.paid("c0-fixed", order: "c0", member: "u-1", amount: "150.00", coupons: [good])])
            #expect(fixed[0]["status"] == "applied", "\(fixed[0])")
            #expect(try coupons.coupon(good).order == coupons.order("c0"))
        }
    }

    @Test("a push of orders with and without coupons, replayed, redeems each coupon once and answers the first outcomes")
    func replay() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let coupons = CouponFixture(server: server)
            try coupons.template("T5", yuan: 5)
            let m = try await Self.member(admin)
            let a = try coupons.issue("T5", to: m)
            let b = try coupons.issue("T5", to: m)
            let events = [
                Events.upsert("reg-9", "web", "u-9", ["name": "九"]),
                Events.paid("p1", order: "p1", member: "u-1", amount: "80.00", coupons: [a]),
                Events.paid("p2", "web", order: "p2", member: "u-9", amount: "30.00", at: When.at(days: -1)),
                Events.paid("p3", order: "p3", member: "u-1", amount: "90.00", coupons: [a]),
                Events.paid("p4", order: "p4", member: "u-1", amount: "70.00", coupons: [b]),
            ]
            let first = try await admin.push("sh01", events)
            #expect(first.map { $0["status"] } == ["applied", "applied", "applied", "rejected", "applied"], "\(first)")
            #expect(first[3]["error"]?["data"]?["reason"] == "coupon_used")
            let balance = try await admin.points(m)
            let second = try await admin.push("sh01", events)
            #expect(second.allSatisfy { $0["status"] == "duplicate" })
            #expect(second[3]["error"]?["data"]?["reason"] == "coupon_used")
            #expect(try coupons.events(a) == ["issue", "redeem"] && coupons.events(b) == ["issue", "redeem"])
            let after = try await admin.points(m)
            #expect(after.balance == balance.balance && after.pending == balance.pending)
        }
    }

    @Test("an order with coupons sees what the events before it in the push did: an account an upsert just merged into the member")
    func inOrder() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let coupons = CouponFixture(server: server)
            try coupons.template("T3", yuan: 3)
            let m = try await admin.push("sh01", [Events.upsert("reg-1", "web", "u-1", ["name": "王小明", "phone": "13800138000"])])[0]["member_id"]!
            let code = try coupons.issue("T3", to: m)
            let r = try await admin.push(
                "sh01",
                [
                    Events.paid("p0", "mobile", order: "p0", member: "m-7", amount: "10.00", at: When.at(days: -1)),
                    Events.upsert("reg-2", "mobile", "m-7", ["name": "王小明", "phone": "+86 138 0013 8000"]),
                    Events.paid("p1", order: "p1", member: "m-7", amount: "100.00", coupons: [code], channel: "mobile"),
                ])
            #expect(r.map { $0["status"] } == ["applied", "applied", "applied"], "\(r)")
            #expect(r[2]["member_id"] == m)
            #expect(try coupons.coupon(code).order == coupons.order("p1", channel: "mobile"))
        }
    }

    @Test("coupons in order.paid are checked when the event is read: at most 10 codes, each a code, none twice")
    func parsing() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let code = "K7QD-2M9X-AB3F-0RTV"
            let bad: [([String], String)] = [
                (["not a code"], "events[0].order.coupons[0]"), ([code, code.lowercased()], "events[0].order.coupons[1]"),
                (Array(repeating: code, count: 11), "events[0].order.coupons"),
            ]
            for (i, (codes, field)) in bad.enumerated() {
                let r = try await admin.push("sh01", [Events.paid("e\(i)", order: "e\(i)", member: "u-1", amount: "10.00", coupons: codes)])
                #expect(r[0]["status"] == "rejected" && r[0]["error"]?["data"]?["field"]?.stringValue == field, "\(r[0])")
            }
        }
    }
}
