import CRMClient
import CRMPostgres
import CRMProtocol

extension RPCClient {
    /// Makes `count` members in sh01 (accounts `prefix-0`, …), with `region` when given; returns their ids in order.
    func members(_ count: Int, prefix: String, region: String? = nil) async throws -> [JSONValue] {
        var ids: [JSONValue] = []
        for start in stride(from: 0, to: count, by: 500) {
            let events = (start..<min(start + 500, count)).map { i -> JSONValue in
                var m: JSONObject = ["name": .string("會員\(i)")]
                if let region { m["region"] = .string(region) }
                return Events.upsert("\(prefix)-e\(i)", "web", "\(prefix)-\(i)", m)
            }
            let results = try await push("sh01", events)
            precondition(results.allSatisfy { $0["status"] == "applied" }, "members not applied: \(results.first { $0["status"] != "applied" }!)")
            ids += results.map { $0["member_id"]! }
        }
        return ids
    }

    /// Adds a template; extra terms are merged into `{"name", "kind": "amount", "value"}`.
    @discardableResult
    func template(_ name: String, value: JSONValue = "3.00", kind: String = "amount", _ terms: JSONObject = [:]) async throws -> JSONValue {
        var params: JSONObject = ["name": .string(name), "kind": .string(kind), "value": value]
        for (k, v) in terms { params[k] = v }
        return try await call("coupon.template.add", .object(params))["template"]!
    }

    /// Issues one coupon of `template` to `member`; returns its code.
    func issueCoupon(_ template: String, to member: JSONValue, key: String) async throws -> String {
        let r = try await call("coupon.issue", ["template": .string(template), "member_id": member, "idempotency_key": .string(key)])
        return r["codes"]!.arrayValue![0].stringValue!
    }

    /// Redeems `code` at `shop` on a cart of `amount`.
    func redeemCoupon(_ code: String, amount: String, key: String, shop: String = "sh01", extra: JSONObject = [:]) async throws -> JSONValue {
        var params: JSONObject = ["code": .string(code), "shop": .string(shop), "amount": .string(amount), "idempotency_key": .string(key)]
        for (k, v) in extra { params[k] = v }
        return try await call("coupon.redeem", .object(params))
    }

    func coupon(_ code: String) async throws -> JSONValue { try await call("coupon.get", ["code": .string(code)]) }

    /// The names of the verify checks that fail.
    func failedChecks() async throws -> [String] {
        (try await verify()["checks"]?.arrayValue ?? []).filter { $0["ok"] != true }.map { $0["name"]!.stringValue! }
    }
}

/// Counts outcomes of concurrent calls: "ok" or the error's reason.
func outcome(_ body: () async throws -> JSONValue) async -> String {
    do {
        _ = try await body()
        return "ok"
    } catch let e as RPCError {
        return e.reason.rawValue
    } catch {
        return "\(error)"
    }
}

extension TestDatabase {
    /// Test support: moves the validity of `template`'s coupons into the past (valid from 20 days
    /// ago until 2 days ago), as if they had been issued long ago; a template whose dates have ended
    /// issues nothing (`template_expired`).
    func expireCoupons(ofTemplate template: String) throws {
        _ = try withConnection { c in
            try c.query(
                "UPDATE coupon SET valid_from = now() - interval '20 days', expires_at = now() - interval '2 days' WHERE template = $1",
                [.text(template)])
        }
    }
}
