import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import Testing

@Suite("notice.scan over the real server")
struct NoticeScanTests {
    @Test("points_expiring: once per member and expiry day however often the scan runs, with points, day and balance")
    func pointsExpiring() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            // Three members whose ¥100 earned 340 days ago expires in about 25 days, one whose points are young.
            let due = try await server.members(3, admin: admin, paidDaysAgo: 340)
            let young = try await admin.paid("y", order: "y", member: "u-young", amount: "50.00", at: When.at(days: -10))
            _ = try await admin.paid("d2", order: "d2", member: "u-0", amount: "20.00", at: When.at(days: -10))
            // A batch of one member at a time, so the cursor carries the scan along.
            let first = try await admin.scanAll(["limit": 1])
            #expect(first.points == 3 && first.coupons == 0)
            #expect(first.batches >= 4)
            for _ in 0..<3 { #expect(try await admin.scanAll().points == 0) }
            #expect(try await admin.scanAll(["as_of": .string(When.date(days: -1))]).points == 0, "same first expiry day: told already")
            let notices = try await (try await server.reader("gateway")).pull()
            #expect(notices.count == 3)
            #expect(Set(notices.map { $0["member_id"]!.stringValue! }) == Set(due.map(String.init)))
            #expect(!notices.contains { $0["member_id"] == young })
            let n = try #require(notices.first { $0["member_id"] == .string(String(due[0])) })
            #expect(n["kind"] == "points_expiring")
            #expect(n["marketing"] == false)
            #expect(n["points"] == 100)
            #expect(n["balance"] == 120)
            #expect(n["expires_on"]?.stringValue?.count == 10)
            #expect(n["expiring"]?.arrayValue?.count == 1)
            // A future day is refused (it would warn of what members may still spend today).
            #expect(await rpcError { try await admin.call("notice.scan", ["as_of": .string(When.date(days: 2))]) }?.reason == "as_of_in_future")
            #expect(await rpcError { try await admin.call("notice.scan", ["cursor": "x:1"]) }?.reason == "bad_cursor")
        }
    }

    @Test("coupon_expiring: usable coupons expiring within the days asked, once per coupon")
    func couponExpiring() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await server.members(2, admin: admin)
            let (soon, later) = try server.database.withConnection { c in
                try NoticeFixture.addTemplate(c, name: "SOON", validDays: 2)
                try NoticeFixture.addTemplate(c, name: "LATER", validDays: 20, title: "滿150減5")
                return (try NoticeFixture.issue(c, "SOON", to: m[0]), try NoticeFixture.issue(c, "LATER", to: m[1]))
            }
            let gateway = try await server.reader("gateway")
            try await gateway.ack(through: try await gateway.pull().last!["id"]!.int64Value!)  // the coupon_issued notices
            #expect(try await admin.scanAll().coupons == 1)
            #expect(try await admin.scanAll().coupons == 0)
            #expect(try await admin.scanAll(["coupon_within_days": 30]).coupons == 1)
            #expect(try await admin.scanAll(["coupon_within_days": 30]).coupons == 0)
            let notices = try await gateway.pull()
            #expect(notices.map { $0["code"]!.stringValue! } == [soon, later])
            #expect(notices.allSatisfy { $0["kind"] == "coupon_expiring" && $0["marketing"] == true })
            #expect(notices[1]["title"] == "滿150減5")
            #expect(notices[1]["member_id"] == .string(String(m[1])))
        }
    }
}
