import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol

@testable import CRMStorage

/// TEST SUPPORT ONLY: coupon templates and coupons arranged directly, because the coupon API
/// (`coupon.template.add`, `coupon.issue`) is built elsewhere. Templates are written as that API
/// stores them (`CouponTemplateDefinition.render`); coupons are issued by `CouponBook`, the one
/// issuing path crmd itself uses.
struct CouponFixture {
    let server: TestServer

    /// A ¥`yuan` amount-off template (valid 30 days, up to 100 per member unless said) stored as version 1.
    @discardableResult
    func template(_ name: String, yuan: Int64 = 3, _ adjust: (inout CouponTemplate) -> Void = { _ in }) throws -> CouponTemplate {
        var t = CouponTemplate(name: name, discount: .amount(fen: yuan * 100))
        t.perMemberLimit = 100
        adjust(&t)
        precondition(t.problems().isEmpty, "test template \(name): \(t.problems())")
        let definition = JSONSerializer.serialize(CouponTemplateDefinition.render(t))
        try server.database.withConnection { c in
            try c.query("BEGIN")
            try c.query("INSERT INTO coupon_template (name, budget) VALUES ($1, $2)", [.text(name), t.budget.map { .int($0) } ?? .null])
            try c.query(
                "INSERT INTO coupon_template_version (name, version, definition, created_by) VALUES ($1, 1, $2::jsonb, 'test')",
                [.text(name), .text(definition)])
            try c.query("COMMIT")
        }
        return t
    }

    /// Issues one coupon of `template` to `member` (wire member id) as an operator would; returns its code.
    func issue(_ template: String, to member: JSONValue) throws -> String {
        let id = Int64(member.stringValue!)!
        return try server.database.withConnection { c in
            try c.query("BEGIN")
            let result = try CouponBook(c: c, offsetMinutes: 8 * 60).issue(template, [.init(member: id, sourceRef: nil)], source: .operator, actor: "test")
            try c.query("COMMIT")
            guard case .success(let coupon)? = result.first else { preconditionFailure("test coupon not issued: \(result)") }
            return coupon.code
        }
    }

    /// A coupon's row: status, holder, origin, the order it was redeemed on and its discount.
    func coupon(_ code: String) throws -> (status: String, member: Int64, origin: Int64, order: Int64?, discountFen: Int64?) {
        try server.database.withConnection { c in
            let row = try c.query(
                "SELECT status, member_id, origin_member_id, redeemed_order_id, discount_fen FROM coupon WHERE code = $1", [.text(code)]
            ).single!
            return (try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2), try row.decode(at: 3), try row.decode(at: 4))
        }
    }

    /// The kinds of a coupon's events, in order.
    func events(_ code: String) throws -> [String] {
        try server.database.withConnection { c in
            try c.query("SELECT e.kind FROM coupon_event e JOIN coupon c ON c.id = e.coupon_id WHERE c.code = $1 ORDER BY e.id", [.text(code)])
                .map { try $0.decode(String.self, at: 0) }
        }
    }

    /// The coupons a member holds: (template, source, source_ref), by id.
    func held(by member: JSONValue) throws -> [(template: String, source: String, ref: String?, code: String)] {
        try server.database.withConnection { c in
            try c.query(
                "SELECT template, source, source_ref, code FROM coupon WHERE member_id = $1 ORDER BY id", [.int(Int64(member.stringValue!)!)]
            ).map { (try $0.decode(at: 0), try $0.decode(at: 1), try $0.decode(at: 2), try $0.decode(at: 3)) }
        }
    }

    /// The id of an order of sh01 (nil when it was not written).
    func order(_ no: String, channel: String = "web") throws -> Int64? {
        try server.database.withConnection { c in
            try c.query(
                "SELECT o.id FROM shop_order o JOIN shop s ON s.id = o.shop_id WHERE s.code = 'sh01' AND o.channel = $1 AND o.order_no = $2",
                [.text(channel), .text(no)]
            ).single?.decode(at: 0)
        }
    }

    /// Ends a coupon's validity in the past (as if it had been issued long ago).
    func makeExpired(_ code: String) throws {
        try server.database.withConnection { c in
            _ = try c.query("UPDATE coupon SET valid_from = now() - interval '40 days', expires_at = now() - interval '1 day' WHERE code = $1", [.text(code)])
        }
    }

    /// Notices of a kind written for a member: their bodies, in order.
    func notices(_ kind: String, for member: JSONValue) throws -> [(marketing: Bool, body: JSONValue)] {
        try server.database.withConnection { c in
            try c.query(
                "SELECT marketing, body::text FROM member_notice WHERE kind = $1 AND member_id = $2 ORDER BY id",
                [.text(kind), .int(Int64(member.stringValue!)!)]
            ).map { (try $0.decode(at: 0), try JSONParser.parse(try $0.decode(String.self, at: 1))) }
        }
    }
}

extension Events {
    /// `order.paid` naming coupons, with one item of `category` (sku `SKU-1`) for the whole amount.
    static func paid(
        _ id: String, order: String, member: String, amount: String, coupons: [String], category: String = "lingerie", channel: String = "web",
        at: String = When.at(days: -1)
    ) -> JSONValue {
        [
            "id": .string(id), "type": "order.paid", "channel": .string(channel), "occurred_at": .string(at),
            "order": [
                "order_no": .string(order), "member_external_id": .string(member), "amount": .string(amount), "paid_at": .string(at),
                "items": [["sku": "SKU-1", "category": .string(category), "quantity": 1, "price": .string(amount)]],
                "coupons": .array(coupons.map(JSONValue.string)),
            ],
        ]
    }
}
