import CRMClient
import CRMDomain
import CRMProtocol
import Testing

/// Referral rewards as coupons, and the `referral_reward` notices of every reward credited.
@Suite("referral coupons")
struct ReferralCouponTests {
    @Test("the first paid order of a referred member gives both sides their coupon once, with referral_reward notices")
    func firstOrder() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let coupons = CouponFixture(server: server)
            let missing = await rpcError { try await admin.call("referral.program.set", ["value": ["referrer_coupon": "FRIEND"]]) }
            #expect(missing?.code == -32004 && missing?.reason == .templateNotFound)
            try coupons.template("FRIEND", yuan: 10)
            try coupons.template("WELCOME", yuan: 5)
            let program = try await admin.call(
                "referral.program.set",
                ["value": ["referrer_points": 100, "referred_points": 50, "referrer_coupon": "FRIEND", "referred_coupon": "WELCOME"]])
            #expect(program["referrer_coupon"] == "FRIEND" && program["referred_coupon"] == "WELCOME")
            let referrer = try await admin.push("sh01", [Events.upsert("reg-r", "web", "u-r", ["name": "推薦人"])])[0]["member_id"]!
            let code = try await admin.call("referral.link", ["member_id": referrer])["code"]!
            let referred = try await admin.push("sh01", [Events.upsert("reg-n", "web", "u-n", ["name": "新人", "referral_code": code])])[0]["member_id"]!
            let order = [
                Events.paid("o1", "web", order: "1", member: "u-n", amount: "100.00", at: When.at(days: -1)),
                Events.paid("o2", "web", order: "2", member: "u-n", amount: "100.00", at: When.at(days: -1)),
            ]
            _ = try await admin.push("sh01", order)
            _ = try await admin.push("sh01", order)
            #expect(try coupons.held(by: referrer).map { "\($0.template) \($0.source)" } == ["FRIEND referral"])
            #expect(try coupons.held(by: referred).map { "\($0.template) \($0.source)" } == ["WELCOME referral"])
            let toReferrer = try coupons.notices("referral_reward", for: referrer)
            #expect(toReferrer.map { $0.body["side"] } == ["referrer", "referrer"])
            #expect(toReferrer.contains { $0.body["points"] == 100 } && toReferrer.contains { $0.body["template"] == "FRIEND" && $0.body["coupon"] != nil })
            #expect(toReferrer.allSatisfy { !$0.marketing && $0.body["order_no"] == "1" })
            let toReferred = try coupons.notices("referral_reward", for: referred)
            #expect(toReferred.count == 2 && toReferred.contains { $0.body["points"] == 50 } && toReferred.contains { $0.body["template"] == "WELCOME" })
        }
    }
}
