import CRMClient
import CRMProtocol
import Testing

@Suite("coupon templates and issuing to a member")
struct CouponTemplateTests {
    @Test("a bad template is refused with a message naming what is wrong, and nothing is stored")
    func validation() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let cases: [(JSONObject, String?, String)] = [
                (["name": "T", "kind": "amount", "value": 3], "value", "yuan text"),
                (["name": "T", "kind": "amount", "value": "0.00"], "value", "value must be an amount above 0"),
                (["name": "T", "kind": "percent", "value": 120], "value", "between 1 and 99"),
                (["name": "T", "kind": "percent", "value": "10"], "value", "whole percent"),
                (["name": "T", "kind": "gift", "value": "3.00"], "kind", "kind must be amount or percent"),
                (["name": "T", "kind": "amount", "value": "3.00", "cap": "5.00"], "cap", "percent-off"),
                (["name": "T", "kind": "amount", "value": "3.00", "valid_days": 0], "valid_days", "valid_days must be between 1 and 3650"),
                (
                    ["name": "T", "kind": "amount", "value": "3.00", "valid_days": 5, "valid_from": "2026-01-01", "valid_until": "2026-02-01"], "valid_days",
                    "not both"
                ),
                (
                    ["name": "T", "kind": "amount", "value": "3.00", "valid_from": "2026-03-01", "valid_until": "2026-02-01"], "valid_until",
                    "must not be before"
                ),
                (["name": "T", "kind": "amount", "value": "3.00", "per_member_limit": 0], "per_member_limit", "per_member_limit must be between 1 and 1000"),
                (["name": "T", "kind": "amount", "value": "3.00", "budget": 0], "budget", "budget must be between"),
                (["name": "T", "kind": "amount", "value": "3.00", "min_spend": "abc"], "min_spend", "min_spend must be an amount"),
                (["name": "T", "kind": "amount", "value": "3.00", "scope": ["channels": ["tv"]]], "scope.channels[0]", "must be mobile, web or group_buy"),
            ]
            for (params, field, words) in cases {
                let e = await rpcError { try await admin.call("coupon.template.add", .object(params)) }
                #expect(e?.code == -32602, "\(params)")
                #expect(e?.field == field, "\(params): \(e?.message ?? "")")
                #expect(e?.message.contains(words) == true, "\(params): \(e?.message ?? "")")
            }
            #expect(try await admin.call("coupon.template.list", ["include_disabled": true])["templates"]?.arrayValue?.isEmpty == true)
            // A budget below what was already issued is refused too, and the template keeps its terms.
            try await admin.template("T3", ["budget": 5])
            let m = try await admin.members(2, prefix: "v")
            _ = try await admin.issueCoupon("T3", to: m[0], key: "k1")
            _ = try await admin.issueCoupon("T3", to: m[1], key: "k2")
            let low = await rpcError { try await admin.template("T3", ["budget": 1]) }
            #expect(low?.field == "budget")
            #expect(low?.message == "budget 1 is below the 2 coupons of T3 already issued")
            let listed = try await admin.call("coupon.template.list", ["name": "T3"])["templates"]!.arrayValue!
            #expect(listed.count == 1)
            #expect(listed[0]["budget"] == 5)
            #expect(listed[0]["issued"] == 2)
        }
    }

    @Test("a new version retires the old terms; coupons already issued keep theirs")
    func versions() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let v1 = try await admin.template("滿100減3", ["min_spend": "100.00", "per_member_limit": 5, "title": "滿100減3"])
            #expect(v1["version"] == 1)
            #expect(v1["terms"]?["value"] == "3.00")
            #expect(v1["terms"]?["min_spend"] == "100.00")
            let m = try await admin.members(1, prefix: "v")[0]
            let old = try await admin.issueCoupon("滿100減3", to: m, key: "k1")
            let v2 = try await admin.template("滿100減3", value: "5.00", ["min_spend": "150.00", "per_member_limit": 5])
            #expect(v2["version"] == 2)
            let new = try await admin.issueCoupon("滿100減3", to: m, key: "k2")
            #expect(try await admin.coupon(old)["coupon"]?["version"] == 1)
            #expect(try await admin.coupon(new)["coupon"]?["version"] == 2)
            #expect(try await admin.coupon(new)["coupon"]?["value"] == "5.00")
            // The current version is listed, every version when the name is given, newest first.
            let current = try await admin.call("coupon.template.list", [:])["templates"]!.arrayValue!
            #expect(current.map { $0["version"]! } == [2])
            let all = try await admin.call("coupon.template.list", ["name": "滿100減3"])["templates"]!.arrayValue!
            #expect(all.map { $0["version"]! } == [2, 1])
            // The old coupon keeps ¥100 minimum and ¥3 off; the new one needs ¥150.
            let r = try await admin.redeemCoupon(old, amount: "120.00", key: "r1")
            #expect(r["discount"] == "3.00")
            #expect(await rpcError { try await admin.redeemCoupon(new, amount: "120.00", key: "r2") }?.reason == "below_min_spend")
            #expect(try await admin.redeemCoupon(new, amount: "150.00", key: "r3")["discount"] == "5.00")
            // Disabled: no more issues; a new version enables it again.
            let disabled = try await admin.call("coupon.template.disable", ["name": "滿100減3"])
            #expect(disabled["template"]?["disabled_at"] != .null)
            #expect(await rpcError { try await admin.call("coupon.template.disable", ["name": "滿100減3"]) }?.reason == "template_not_found")
            let refused = await rpcError { .string(try await admin.issueCoupon("滿100減3", to: m, key: "k3")) }
            #expect(refused?.code == -32010)
            #expect(refused?.reason == "template_disabled")
            #expect(try await admin.call("coupon.template.list", [:])["templates"]?.arrayValue?.isEmpty == true)
            #expect(try await admin.template("滿100減3", ["per_member_limit": 5])["version"] == 3)
            _ = try await admin.issueCoupon("滿100減3", to: m, key: "k3")
            #expect(try await admin.failedChecks() == [])
        }
    }

    @Test("issuing to a member respects the per-member limit; the same key answers the first coupon")
    func memberIssue() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            try await admin.template("T5", value: "5.00", ["per_member_limit": 2])
            let m = try await admin.members(2, prefix: "v")
            let first = try await admin.issueCoupon("T5", to: m[0], key: "k1")
            #expect(first.count == 19)
            let again = try await admin.call("coupon.issue", ["template": "T5", "member_id": m[0], "idempotency_key": "k1"])
            #expect(again["codes"] == [.string(first)])
            #expect(again["replayed"] == true)
            let reused = await rpcError { try await admin.call("coupon.issue", ["template": "T5", "member_id": m[1], "idempotency_key": "k1"]) }
            #expect(reused?.reason == "idempotency_key_reused")
            _ = try await admin.issueCoupon("T5", to: m[0], key: "k2")
            let third = await rpcError { .string(try await admin.issueCoupon("T5", to: m[0], key: "k3")) }
            #expect(third?.code == -32010)
            #expect(third?.reason == "per_member_limit")
            let held = try await admin.call("coupon.list", ["member_id": m[0]])["coupons"]!.arrayValue!
            #expect(held.count == 2)
            #expect(held.allSatisfy { $0["status"] == "usable" && $0["source"] == "operator" })
            #expect(try await admin.call("coupon.list", ["member_id": m[0], "status": "redeemed"])["coupons"]?.arrayValue?.isEmpty == true)
            // A key that was refused was not used: it may issue once the member can have one.
            _ = try await admin.issueCoupon("T5", to: m[1], key: "k3")
            #expect(await rpcError { .string(try await admin.issueCoupon("nope", to: m[1], key: "k4")) }?.reason == "template_not_found")
            #expect(await rpcError { try await admin.call("coupon.get", ["code": "not-a-code"]) }?.reason == "bad_coupon")
            #expect(await rpcError { try await admin.call("coupon.get", ["code": "0000-0000-0000-0000"]) }?.code == -32004)
            // Codes are forgiving as typed: lower case, no dashes, O for 0.
            let typed = first.lowercased().replacingOccurrences(of: "-", with: "")
            #expect(try await admin.coupon(typed)["coupon"]?["code"] == .string(first))
            let events = try await admin.coupon(first)["events"]!.arrayValue!
            #expect(events.map { $0["kind"]! } == ["issue"])
            #expect(try await admin.verify()["coupons"]?["issued"] == 3)
        }
    }

    @Test("200 concurrent issues of a template with a budget of 50: exactly 50 are issued")
    func budgetUnderConcurrency() async throws {
        try await withTestServer(poolSize: 8) { server in
            let admin = try await server.adminWithShops()
            try await admin.template("限量50", ["budget": 50])
            let members = try await admin.members(200, prefix: "b")
            let clients = try await withThrowingTaskGroup(of: RPCClientBox.self) { group in
                for _ in 0..<20 { group.addTask { RPCClientBox(try await server.adminClient()) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let outcomes = await withTaskGroup(of: String.self) { group in
                for (i, m) in members.enumerated() {
                    let client = clients[i % clients.count].client
                    group.addTask {
                        await outcome { try await client.call("coupon.issue", ["template": "限量50", "member_id": m, "idempotency_key": .string("b\(i)")]) }
                    }
                }
                return await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(outcomes == ["ok": 50, "budget_exhausted": 150])
            let t = try await admin.call("coupon.template.list", [:])["templates"]!.arrayValue![0]
            #expect(t["issued"] == 50)
            #expect(try await admin.call("coupon.stats", ["template": "限量50"])["templates"]?.arrayValue?[0]["issued"] == 50)
            #expect(try await admin.failedChecks() == [])
            for c in clients { await c.client.close() }
        }
    }
}
