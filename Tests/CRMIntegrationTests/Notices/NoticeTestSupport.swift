import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol

@testable import CRMStorage

// TEST SUPPORT ONLY. Notices are written by their causes through NoticeOutbox; these helpers reach
// the same paths on a connection the test holds, so a test can roll a cause back or keep its
// transaction open. Coupon templates are made with SQL because the coupon API is not on this branch.

/// Notices and coupons written on a test's own connection.
enum NoticeFixture {
    /// Writes one notice through the outbox (in the caller's transaction, if one is open).
    static func write(_ c: PostgresConnection, member: Int64, kind: NoticeKind = .levelUp, marketing: Bool? = nil, body: JSONObject = [:]) throws {
        try NoticeOutbox(c: c).write([NoticeOutbox.Notice(member: member, kind: kind, body: body, marketing: marketing)])
    }

    /// TEST SUPPORT SQL: a coupon template valid for `validDays` days from issue, stored as the coupon API would.
    static func addTemplate(_ c: PostgresConnection, name: String, validDays: Int64, title: String = "滿100減3") throws {
        var template = CouponTemplate(name: name, discount: .amount(fen: 300))
        template.minSpendFen = 10_000
        template.validity = .days(validDays)
        template.title = title
        try c.query("INSERT INTO coupon_template (name) VALUES ($1)", [.text(name)])
        try c.query(
            "INSERT INTO coupon_template_version (name, version, definition, created_by) VALUES ($1, 1, $2::jsonb, 'test')",
            [.text(name), .text(JSONSerializer.serialize(CouponTemplateDefinition.render(template)))])
    }

    /// Issues the template to `member` through CouponBook (the issuing path, which writes `coupon_issued`).
    static func issue(_ c: PostgresConnection, _ template: String, to member: Int64) throws -> String {
        let results = try CouponBook(c: c, offsetMinutes: 480).issue(template, [.init(member: member, sourceRef: nil)], source: .operator, actor: "test")
        return try results[0].get().code
    }
}

extension RPCClient {
    /// `notice.pull`: the notices answered.
    func pull(after: Int64? = nil, limit: Int? = nil) async throws -> [JSONValue] {
        var params: JSONObject = [:]
        if let after { params["after"] = .int(after) }
        if let limit { params["limit"] = .int(Int64(limit)) }
        return try await call("notice.pull", .object(params))["notices"]!.arrayValue!
    }

    /// `notice.ack`: the reader's position afterwards.
    @discardableResult
    func ack(through: Int64) async throws -> Int64 {
        try await call("notice.ack", ["through": .int(through)])["through"]!.int64Value!
    }

    /// Runs notice.scan to the end; answers the notices written (points, coupons) and the batches.
    func scanAll(_ params: JSONObject = [:]) async throws -> (points: Int64, coupons: Int64, batches: Int) {
        var total: (Int64, Int64, Int) = (0, 0, 0)
        var cursor: JSONValue? = nil
        for _ in 0..<1_000 {
            var p = params
            if let cursor { p["cursor"] = cursor }
            let r = try await call("notice.scan", .object(p))
            total.0 += r["points_expiring"]!.int64Value!
            total.1 += r["coupon_expiring"]!.int64Value!
            total.2 += 1
            if r["done"] == true { return total }
            cursor = r["next_cursor"]
        }
        preconditionFailure("notice.scan did not finish")
    }
}

extension TestServer {
    /// A client whose token is an operator's named `name` (a notice reader of that name).
    func reader(_ name: String) async throws -> RPCClient {
        let admin = try await adminClient()
        let token = try await admin.call("token.create", ["role": "operator", "name": .string(name)])["token"]!.stringValue!
        await admin.close()
        return try await client(token: token)
    }

    /// Members made by pushing one paid order each (for `u-<i>` accounts); their ids.
    func members(_ count: Int, admin: RPCClient, paidDaysAgo: Double = 10) async throws -> [Int64] {
        var ids: [Int64] = []
        for i in 0..<count {
            let m = try await admin.paid("n-\(i)", order: "n-\(i)", member: "u-\(i)", amount: "100.00", at: When.at(days: -paidDaysAgo))
            ids.append(Int64(m.stringValue!)!)
        }
        return ids
    }
}
