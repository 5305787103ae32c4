import CRMClient
import CRMDomain
import CRMProtocol
import Foundation
import Testing

@Suite("birthday gifts over the real server")
struct BirthdayGiftTests {
    /// Calendar arithmetic in the merchant's default time zone (+08:00).
    static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        return c
    }()

    static func text(_ d: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: d)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// Runs the job to the end as of `asOf`; returns the sums of its batches.
    static func runAll(_ admin: RPCClient, asOf: String, limit: Int64 = 1_000) async throws -> (points: Int64, coupons: Int64, skipped: Int64, batches: Int) {
        var after: JSONValue = .null
        var total: (Int64, Int64, Int64, Int) = (0, 0, 0, 0)
        for _ in 0..<1_000 {
            var params: JSONObject = ["as_of": .string(asOf), "limit": .int(limit)]
            if after != .null { params["after"] = after }
            let r = try await admin.call("benefit.birthdays", .object(params))
            total.0 += r["points_gifts"]!.int64Value!
            total.1 += r["coupon_gifts"]!.int64Value!
            total.2 += r["skipped"]!.int64Value!
            total.3 += 1
            if r["done"] == true { return total }
            after = r["next"]!
        }
        preconditionFailure("the birthday job did not finish")
    }

    @Test("points in the birthday month, once a year: twice the same day, later that month and the next month give once; next year again")
    func oncePerYear() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let day = Date().addingTimeInterval(-400 * 86_400)
            let parts = Self.calendar.dateComponents([.month, .day], from: day)
            let birthday = String(format: "1992-%02d-%02d", parts.month!, parts.day!)
            let r = try await admin.push(
                "sh01",
                [
                    Events.upsert("e1", "web", "u-1", ["birthday": .string(birthday)]), Events.upsert("e2", "web", "u-2", ["name": "無生日"]),
                    Events.upsert("e3", "web", "u-3"),
                ])
            #expect(r.map { $0["status"]! } == ["applied", "applied", "applied"])
            let m = r[0]["member_id"]!
            let asOf = Self.text(day)
            let first = try await Self.runAll(admin, asOf: asOf)
            #expect(first.points == 1)
            let again = try await Self.runAll(admin, asOf: asOf)
            #expect((again.points, again.skipped) == (0, 1))
            // Another day of the same month, then the first of the next month.
            let otherDay = Self.calendar.date(byAdding: .day, value: parts.day! > 15 ? -10 : 10, to: day)!
            #expect(try await Self.runAll(admin, asOf: Self.text(otherDay)).points == 0)
            let nextMonth = Self.calendar.date(
                from: Self.calendar.dateComponents([.year, .month], from: Self.calendar.date(byAdding: .month, value: 1, to: day)!))!
            #expect(try await Self.runAll(admin, asOf: Self.text(nextMonth)) == (0, 0, 0, 1))
            #expect(try await admin.points(m).balance == 100)
            // A year on: again.
            let nextYear = Self.calendar.date(byAdding: .year, value: 1, to: day)!
            #expect(try await Self.runAll(admin, asOf: Self.text(nextYear)).points == 1)
            #expect(try await admin.points(m).balance == 200)
            let entries = try await admin.call("points.history", ["member_id": m])["entries"]!.arrayValue!
            #expect(entries.filter { $0["kind"] == "gift" }.count == 2)
            let periods = try server.database.texts("SELECT period FROM points_entry WHERE kind = 'gift' ORDER BY id")
            #expect(periods == ["birthday:\(asOf.prefix(4))", "birthday:\(Self.text(nextYear).prefix(4))"])
            let notices = try server.database.texts("SELECT body->>'points' FROM member_notice WHERE kind = 'birthday_gift' ORDER BY id")
            #expect(notices == ["100", "100"])
            #expect(try await admin.verify()["ok"] == true)
            // In batches: three members, one at a time, the last batch says done.
            #expect(try await Self.runAll(admin, asOf: Self.text(nextYear), limit: 1).batches == 4)
            // Never a day that has not begun.
            let future = await rpcError { try await admin.call("benefit.birthdays", ["as_of": .string(When.date(days: 2))]) }
            #expect(future?.reason == "as_of_in_future")
        }
    }

    @Test("a coupon on the day itself; 29 February on the 28th in other years; once per year")
    func couponOnTheDay() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            var gift = CouponTemplate(name: "生日券", discount: .amount(fen: 2_000))
            gift.perMemberLimit = 100
            gift.validity = .days(30)
            try server.database.addCouponTemplate(gift)
            var ladder = try await admin.call("level.rules.get", [:])
            guard case .object(var o) = ladder, var levels = o["levels"]?.arrayValue, case .object(var regular) = levels[0] else {
                Issue.record("unexpected ladder \(ladder)")
                return
            }
            regular["benefits"] = [["code": "birthday_gift", "name": "生日券", "coupon": "生日券", "when": "day"]]
            levels[0] = .object(regular)
            o["levels"] = .array(levels)
            ladder = .object(o)
            _ = try await admin.call("level.rules.set", ["value": ladder])
            let r = try await admin.push("sh01", [Events.upsert("e1", "web", "u-1", ["birthday": "2000-02-29"])])
            let m = r[0]["member_id"]!
            #expect(try await Self.runAll(admin, asOf: "2025-02-27").coupons == 0)
            #expect(try await Self.runAll(admin, asOf: "2025-02-28").coupons == 1)
            #expect(try await Self.runAll(admin, asOf: "2025-02-28") == (0, 0, 1, 1))
            #expect(try await Self.runAll(admin, asOf: "2024-02-28").coupons == 0)
            #expect(try await Self.runAll(admin, asOf: "2024-02-29").coupons == 1)
            let coupons = try server.database.texts(
                "SELECT source || ':' || source_ref FROM coupon WHERE member_id = $1 ORDER BY id", [.int(Int64(m.stringValue!)!)])
            #expect(coupons == ["birthday:2025", "birthday:2024"])
            let codes = try server.database.texts("SELECT body->'coupon'->>'code' FROM member_notice WHERE kind = 'birthday_gift' ORDER BY id")
            #expect(codes == (try server.database.texts("SELECT code FROM coupon ORDER BY id")))
            #expect(try server.database.texts("SELECT marketing::text FROM member_notice") == ["true", "true"])
            #expect(try await admin.verify()["ok"] == true)
        }
    }
}
