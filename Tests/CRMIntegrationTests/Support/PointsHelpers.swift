import CRMClient
import CRMProtocol
import Foundation

/// Instants and dates relative to now, for tests whose points must be valid, pending or due today.
enum When {
    /// RFC 3339 (UTC) `days` from now (negative: in the past).
    static func at(days: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date().addingTimeInterval(days * 86_400))
    }

    /// `YYYY-MM-DD` in the merchant's default time zone (+08:00), `days` from today.
    static func date(days: Int) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date().addingTimeInterval(Double(days) * 86_400))
    }
}

extension RPCClient {
    /// A member's spendable balance and pending points.
    func points(_ member: JSONValue) async throws -> (balance: Int64, pending: Int64, debt: Int64, lots: [JSONValue]) {
        let r = try await call("points.get", ["member_id": member])
        return (r["balance"]!.int64Value!, r["pending"]!.int64Value!, r["debt"]!.int64Value!, r["lots"]?.arrayValue ?? [])
    }

    /// `points.verify`, asserting nothing: the caller looks at `ok` and the checks.
    func verify() async throws -> JSONValue { try await call("points.verify", [:]) }

    /// Redeems points; returns the result or throws the RPC error.
    func redeem(_ member: JSONValue, _ points: Int64, key: String, kind: String = "spend") async throws -> JSONValue {
        try await call(
            "points.redeem", ["member_id": member, "points": .int(points), "idempotency_key": .string(key), "reason": "test", "kind": .string(kind)])
    }

    func adjust(_ member: JSONValue, _ points: Int64, key: String) async throws -> JSONValue {
        try await call("points.adjust", ["member_id": member, "points": .int(points), "idempotency_key": .string(key), "reason": "test"])
    }

    /// Pays an order for account `external` in sh01/web at `at`; returns the member id.
    func paid(
        _ id: String, order: String, member external: String, amount: String, at: String, shop: String = "sh01", channel: String = "web"
    ) async throws -> JSONValue {
        let r = try await push(shop, [Events.paid(id, channel, order: order, member: external, amount: amount, at: at)])[0]
        precondition(r["status"] == "applied", "order \(order) not applied: \(r)")
        return r["member_id"]!
    }

    /// Runs the expiry job to the end as of `asOf`; returns (members, lots, points).
    func expireAll(asOf: String, limit: Int64 = 1_000) async throws -> (members: Int64, lots: Int64, points: Int64) {
        var run: JSONValue = .null
        var total: (Int64, Int64, Int64) = (0, 0, 0)
        for _ in 0..<10_000 {
            var params: JSONObject = ["as_of": .string(asOf), "limit": .int(limit)]
            if run != .null { params["run_id"] = run }
            let r = try await call("points.expire", .object(params))
            run = r["run_id"]!
            total.0 += r["members"]!.int64Value!
            total.1 += r["lots"]!.int64Value!
            total.2 += r["points"]!.int64Value!
            if r["done"] == true { return total }
        }
        preconditionFailure("expiry did not finish")
    }
}
