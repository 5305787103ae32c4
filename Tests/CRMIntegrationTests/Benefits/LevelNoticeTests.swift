import CRMClient
import CRMDomain
import CRMProtocol
import Testing

@Suite("level change notices and level gifts over the real server")
struct LevelNoticeTests {
    @Test("a rise and a drop each write their notice with the change, naming the benefits gained and lost; the level gift comes once")
    func upAndDown() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            try server.database.addCouponTemplate(CouponTemplate(name: "升級禮", discount: .amount(fen: 5_000)))
            var ladder = try await admin.call("level.rules.get", [:])
            guard case .object(var o) = ladder, var levels = o["levels"]?.arrayValue, case .object(var senior) = levels[1] else {
                Issue.record("unexpected ladder \(ladder)")
                return
            }
            senior["benefits"] = .array(senior["benefits"]!.arrayValue! + [["code": "level_gift", "name": "升級禮", "coupon": "升級禮"]])
            levels[1] = .object(senior)
            o["levels"] = .array(levels)
            ladder = .object(o)
            _ = try await admin.call("level.rules.set", ["value": ladder])

            let m = try await admin.paid("o1", order: "1", member: "u-1", amount: "2500.00", at: When.at(days: -3))
            let member = Int64(m.stringValue!)!
            let up = try server.database.texts("SELECT body::text FROM member_notice WHERE kind = 'level_up'")
            #expect(up.count == 1)
            let body = try JSONParser.parse(up[0])
            #expect(body["from"]?["code"] == "regular")
            #expect(body["to"]?["code"] == "senior")
            #expect(body["to"]?["price_percent"] == 92)
            #expect(body["gained"] == [["code": "free_shipping", "name": "包郵"], ["code": "level_gift", "name": "升級禮"]])
            #expect(body["lost"] == [])
            let gift = try server.database.texts("SELECT code FROM coupon WHERE source = 'level' AND source_ref = 'senior' AND member_id = $1", [.int(member)])
            #expect(gift.count == 1)
            #expect(body["gift"]?["code"] == .string(gift[0]))
            // The gift is usable at once and shows at checkout.
            let quote = try await admin.call("member.benefits", ["member_id": m, "cart": ["shop": "sh01", "amount": "100.00"]])
            #expect(quote["best_coupon"] == .string(gift[0]))
            #expect(quote["price"] == "42.00")

            // A refund, then the grace period passes: the drop is announced with what is lost.
            _ = try await admin.push("sh01", [Events.refunded("o1-r", "web", order: "1", refund: "R1", amount: "2500.00")])
            let today = JSONValue.string(When.date(days: 0))
            _ = try await admin.call("level.evaluate", ["as_of": today])
            #expect(try server.database.texts("SELECT count(*)::text FROM member_notice WHERE kind = 'level_down'") == ["0"])
            try server.database.withConnection { _ = try $0.query("UPDATE member_level SET below_since = below_since - interval '31 days'") }
            _ = try await admin.call("level.evaluate", ["as_of": today])
            let down = try server.database.texts("SELECT body::text FROM member_notice WHERE kind = 'level_down'")
            #expect(down.count == 1)
            let downBody = try JSONParser.parse(down[0])
            #expect(downBody["to"]?["code"] == "regular")
            #expect(downBody["lost"] == [["code": "free_shipping", "name": "包郵"], ["code": "level_gift", "name": "升級禮"]])
            #expect(downBody["gift"] == nil)

            // Rising again is announced again, without a second gift; an operator's level too.
            _ = try await admin.paid("o2", order: "2", member: "u-1", amount: "2600.00", at: When.at(days: -1))
            _ = try await admin.call("level.set", ["member_id": m, "level": "vip", "reason": "key account"])
            let kinds = try server.database.texts(
                "SELECT kind || ':' || (body->'to'->>'code') FROM member_notice WHERE member_id = $1 ORDER BY id", [.int(member)])
            #expect(kinds == ["level_up:senior", "level_down:regular", "level_up:senior", "level_up:vip"])
            #expect(try server.database.texts("SELECT count(*)::text FROM coupon WHERE source = 'level'") == ["1"])
            // Every level change has its notice, written in the change's transaction.
            let changes = try server.database.texts("SELECT count(*)::text FROM level_change WHERE member_id = $1", [.int(member)])
            #expect(changes == ["4"])
            #expect(
                try server.database.texts("SELECT marketing::text FROM member_notice WHERE member_id = $1", [.int(member)]) == [
                    "false", "false", "false", "false",
                ])
        }
    }

}
