import CRMClient
import CRMDomain
import CRMProtocol
import Testing

@Suite("member.benefits over the real server")
struct MemberBenefitsTests {
    static func id(_ member: JSONValue) -> Int64 { Int64(member.stringValue!)! }

    @Test("the default ladder's member prices: 95 / 92 / 90 / 88 % at ¥0 / 2,000 / 5,000 / 20,000, with each rung's benefits")
    func defaultLadderPrices() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            var members: [JSONValue] = []
            for (i, spend) in ["100.00", "2000.00", "5000.00", "20000.00"].enumerated() {
                members.append(try await admin.paid("o\(i)", order: "N\(i)", member: "u-\(i)", amount: spend, at: When.at(days: -2)))
            }
            let cart: JSONValue = ["shop": "sh01", "channel": "web", "amount": "1000.00"]
            var answers: [JSONValue] = []
            for m in members { answers.append(try await admin.call("member.benefits", ["member_id": m, "cart": cart])) }
            #expect(answers.map { $0["level"]!["code"]! } == ["regular", "senior", "vip", "supreme"])
            #expect(answers.map { $0["price_percent"]! } == [95, 92, 90, 88])
            #expect(answers.map { $0["price"]! } == ["950.00", "920.00", "900.00", "880.00"])
            #expect(answers.map { $0["member_price"]! } == ["950.00", "920.00", "900.00", "880.00"])
            #expect(answers.map { $0["best_coupon"]! } == [.null, .null, .null, .null])
            #expect(answers.map { $0["free_shipping"]! } == [false, true, true, true])
            let codes = answers.map { $0["benefits"]!.arrayValue!.map { $0["code"]!.stringValue! } }
            #expect(codes[0] == ["birthday_gift"])
            #expect(codes[3] == ["birthday_gift", "free_shipping", "priority_purchase", "gift_wrap", "personal_advisor"])
            #expect(answers[1]["benefits"]!.arrayValue![1] == ["code": "free_shipping", "name": "包郵", "min_spend": "99.00"])
            #expect(answers[0]["points"]!["balance"] == 100)
            // Without a cart: the level's terms only.
            let plain = try await admin.call("member.benefits", ["shop": "sh01", "channel": "web", "external_id": "u-2"])
            #expect(plain["member_id"] == members[2])
            #expect(plain["price"] == nil)
            #expect(plain["best_coupon"] == .null)
            #expect(plain["coupons"] == [])
            // The ladder carries the benefits; what level.rules.get shows, level.rules.set takes back.
            let ladder = try await admin.call("level.rules.get", [:])
            #expect(ladder["levels"]!.arrayValue![0]["benefits"] == [["code": "birthday_gift", "name": "生日禮包", "points": 100, "when": "month"]])
            let again = try await admin.call("level.rules.set", ["value": ladder])
            #expect(again == ladder)
        }
    }

    @Test("with a cart the best coupon is chosen and the price is the member price less it; nothing is redeemed")
    func bestCoupon() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await admin.paid("o1", order: "N1", member: "u-1", amount: "100.00", at: When.at(days: -2))
            var t3 = CouponTemplate(name: "滿100減3", discount: .amount(fen: 300))
            t3.minSpendFen = 10_000
            var t5 = CouponTemplate(name: "滿150減5", discount: .amount(fen: 500))
            t5.minSpendFen = 15_000
            var pct = CouponTemplate(name: "九折", discount: .percent(10, capFen: 2_000))
            pct.title = "九折券"
            var big = CouponTemplate(name: "滿500減50", discount: .amount(fen: 5_000))
            big.minSpendFen = 50_000
            var other = CouponTemplate(name: "二店專用", discount: .amount(fen: 8_000))
            other.scope = CouponScope(shops: ["sh02"])
            for t in [t3, t5, pct, big, other] { try server.database.addCouponTemplate(t) }
            let member = Self.id(m)
            let c3 = try server.database.giveCoupon("滿100減3", to: member)
            let c5 = try server.database.giveCoupon("滿150減5", to: member)
            let c10 = try server.database.giveCoupon("九折", to: member, expiresInDays: 5)
            let cBig = try server.database.giveCoupon("滿500減50", to: member)
            let cOther = try server.database.giveCoupon("二店專用", to: member)
            let later = try server.database.giveCoupon("九折", to: member, validFromDays: 3, expiresInDays: 40)
            try server.database.giveCoupon("滿100減3", to: member, validFromDays: -5, expiresInDays: -1)  // expired: not listed

            // ¥200 list → ¥190 at 95 %: 3, 5 and 19 off apply; ¥500 minimum and sh02 do not.
            let r = try await admin.call("member.benefits", ["member_id": m, "cart": ["shop": "sh01", "channel": "web", "amount": "200.00"]])
            #expect(r["member_price"] == "190.00")
            #expect(r["best_coupon"] == .string(c10))
            #expect(r["price"] == "171.00")
            #expect(r["applicable"]!.arrayValue!.map { $0["code"]! } == [.string(c10), .string(c5), .string(c3)])
            #expect(r["applicable"]!.arrayValue![0] == ["code": .string(c10), "discount": "19.00", "price": "171.00"])
            let listed = r["coupons"]!.arrayValue!
            #expect(listed.count == 6)
            #expect(listed.first?["code"] == .string(c10))  // the first to expire first
            func coupon(_ code: String) -> JSONValue { listed.first { $0["code"] == .string(code) }! }
            #expect(coupon(cBig)["reason"] == "below_min_spend")
            #expect(coupon(cOther)["reason"] == "out_of_scope")
            #expect(coupon(later)["reason"] == "coupon_not_yet_valid")
            #expect(coupon(c10)["title"] == "九折券")
            #expect(coupon(c10)["value"] == "10")
            #expect(coupon(c5)["discount"] == "5.00")
            // ¥1,000 in sh02: the sh02 coupon (80 off) beats 10 % capped at 20 and 50 off.
            let r2 = try await admin.call("member.benefits", ["member_id": m, "cart": ["shop": "sh02", "amount": "1000.00"]])
            #expect(r2["best_coupon"] == .string(cOther))
            #expect(r2["price"] == "870.00")
            // Quotes change nothing: every coupon is still usable, no event was written.
            #expect(try server.database.texts("SELECT count(*)::text FROM coupon WHERE status <> 'usable'") == ["0"])
            #expect(try server.database.texts("SELECT count(*)::text FROM coupon_event WHERE kind <> 'issue'") == ["0"])
        }
    }

    @Test("a bad cart is refused with -32602 naming the field and its reason; an agent quotes only its own shop")
    func badCart() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await admin.paid("o1", order: "N1", member: "u-1", amount: "100.00", at: When.at(days: -2))
            func refusal(_ cart: JSONValue) async -> (Int?, String?, String?) {
                let e = await rpcError { try await admin.call("member.benefits", ["member_id": m, "cart": cart]) }
                return (e?.code, e?.reason.rawValue, e?.field)
            }
            #expect(await refusal(["shop": "sh01", "amount": "abc"]) == (-32602, "bad_amount", "cart.amount"))
            #expect(await refusal(["shop": "sh01", "amount": "-1.00"]) == (-32602, "bad_amount", "cart.amount"))
            #expect(await refusal(["shop": "sh01", "amount": "10.001"]) == (-32602, "bad_amount", "cart.amount"))
            #expect(await refusal(["amount": "10.00"]) == (-32602, "missing_field", "cart.shop"))
            #expect(await refusal(["shop": "sh01", "channel": "tv", "amount": "10.00"]) == (-32602, "bad_channel", "cart.channel"))
            #expect(await refusal(["shop": "sh01", "amount": "10.00", "colour": "red"]) == (-32602, "unknown_field", "cart.colour"))
            #expect(
                await refusal(["shop": "sh01", "amount": "10.00", "items": [["sku": "A", "price": "6.00", "quantity": 2]]]) == (
                    -32602, "bad_cart", "cart.items"
                ))
            #expect(await refusal(["shop": "sh01", "amount": "10.00", "items": [["price": "6.00"]]]) == (-32602, "bad_cart", "cart.items[0]"))
            #expect(
                await refusal(["shop": "sh01", "amount": "10.00", "items": [["sku": "A", "price": "x"]]]) == (-32602, "bad_amount", "cart.items[0].price"))
            #expect(await refusal("200") == (-32602, "wrong_type", "cart"))
            let lookup = await rpcError { try await admin.call("member.benefits", ["cart": ["shop": "sh01", "amount": "1.00"]]) }
            #expect(lookup?.reason == "one_lookup")
            // An agent of sh01 quotes sh01's carts, and needs one.
            let agent = try await server.client(token: try await server.token(role: .agent, shop: "sh01"))
            let ok = try await agent.call(
                "member.benefits", ["shop": "sh01", "channel": "web", "external_id": "u-1", "cart": ["shop": "sh01", "amount": "10.00"]])
            #expect(ok["price"] == "9.50")
            let wrong = await rpcError { try await agent.call("member.benefits", ["member_id": m, "cart": ["shop": "sh02", "amount": "10.00"]]) }
            #expect(wrong?.reason == "wrong_shop")
            #expect(await rpcError { try await agent.call("member.benefits", ["member_id": m]) }?.reason == "wrong_shop")
            #expect(try server.database.texts("SELECT count(*)::text FROM member_notice") == ["0"])
        }
    }

    @Test("benefits are set with the ladder and checked field by field; a merged id answers with the survivor")
    func ladderBenefitsAndMerges() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            func ladder(_ benefits: JSONValue) -> JSONValue {
                ["value": ["levels": [["code": "basic", "name": "普通", "min_spend": "0", "price_percent": 98, "benefits": benefits]]]]
            }
            func refusal(_ benefits: JSONValue) async -> (String?, String?) {
                let e = await rpcError { try await admin.call("level.rules.set", ladder(benefits)) }
                return (e?.reason.rawValue, e?.field)
            }
            #expect(await refusal([["code": "free_shipping", "name": "包郵", "points": 5]]) == ("bad_setting", "value.levels[0].benefits[0]"))
            #expect(
                await refusal([["code": "birthday_gift", "name": "生日", "points": 5, "when": "week"]]) == ("bad_setting", "value.levels[0].benefits[0].when"))
            #expect(await refusal([["code": "level_gift", "name": "禮"]]) == ("bad_setting", "value.levels[0].benefits[0]"))
            #expect(await refusal([["code": "member_day", "name": "會員日", "params": ["day": 18]]]) == ("bad_setting", "value.levels[0].benefits[0].params.day"))
            #expect(await refusal([["code": "gift_wrap", "name": "包裝", "colour": "red"]]).0 == "unknown_field")
            let set = try await admin.call(
                "level.rules.set", ladder([["code": "member_day", "name": "會員日", "params": ["day": "每月18日"]], ["code": "free_shipping", "name": "包郵"]]))
            #expect(
                set["levels"]!.arrayValue![0]["benefits"]
                    == [["code": "member_day", "name": "會員日", "params": ["day": "每月18日"]], ["code": "free_shipping", "name": "包郵", "min_spend": "0.00"]])

            let a = try await admin.paid("a1", order: "A1", member: "u-a", amount: "100.00", at: When.at(days: -3))
            let b = try await admin.paid("b1", order: "B1", member: "u-b", amount: "50.00", at: When.at(days: -2))
            let merged = try await admin.call("member.merge", ["member_id": a, "other_member_id": b, "reason": "same person"])
            let gone = merged["member_id"] == a ? b : a
            let r = try await admin.call("member.benefits", ["member_id": gone, "cart": ["shop": "sh01", "amount": "100.00"]])
            #expect(r["member_id"] == merged["member_id"])
            #expect(r["merged_from"] == gone)
            #expect(r["points"]!["balance"] == 150)
            #expect(r["price"] == "98.00")
            #expect(r["free_shipping"] == true)
            #expect(r["benefits"]!.arrayValue!.map { $0["code"]! } == ["member_day", "free_shipping"])
        }
    }
}
