import CRMDomain
import CRMJSON
import CRMPostgres
import CRMStorage

// TEST SUPPORT ONLY. Coupon templates and coupons written straight into the tables, because the
// coupon API (`coupon.template.add`, `coupon.issue`) is built in parallel on another branch. The
// rows are what that API writes: a template name with its budget, version 1 with the definition as
// `CouponTemplateDefinition` renders it, and coupons with their `issue` events. Replace with the
// API once it is merged.
extension TestDatabase {
    /// Adds `template` as version 1 of its name.
    func addCouponTemplate(_ template: CouponTemplate) throws {
        try withConnection { c in
            _ = try c.query("INSERT INTO coupon_template (name, budget) VALUES ($1, $2)", [.text(template.name), .optional(template.budget)])
            _ = try c.query(
                "INSERT INTO coupon_template_version (name, version, definition, created_by) VALUES ($1, 1, $2::jsonb, 'test')",
                [.text(template.name), .text(JSONSerializer.serialize(CouponTemplateDefinition.render(template)))])
        }
    }

    /// Gives `member` a usable coupon of `template` valid from `validFromDays` to `expiresInDays`
    /// days from now; returns its code.
    @discardableResult
    func giveCoupon(_ template: String, to member: Int64, validFromDays: Int = -1, expiresInDays: Int = 30, code: String = CouponCode.make()) throws -> String {
        try withConnection { c in
            _ = try c.query(
                """
                WITH v AS (SELECT id FROM coupon_template_version WHERE name = $2 ORDER BY version DESC LIMIT 1),
                n AS (INSERT INTO coupon (code, template_id, template, member_id, origin_member_id, source, valid_from, expires_at, actor)
                      SELECT $1, v.id, $2, $3, $3, 'operator', now() + $4::int * interval '1 day', now() + $5::int * interval '1 day', 'test' FROM v
                      RETURNING id, member_id),
                e AS (INSERT INTO coupon_event (coupon_id, kind, member_id, actor) SELECT id, 'issue', member_id, 'test' FROM n)
                UPDATE coupon_template SET issued = issued + 1 WHERE name = $2
                """, [.text(code), .text(template), .int(member), .int(Int64(validFromDays)), .int(Int64(expiresInDays))])
        }
        return code
    }

    /// Rows of `sql` (a count or a single value per row) as text, for assertions.
    func texts(_ sql: String, _ params: [PostgresValue] = []) throws -> [String] {
        try withConnection { c in try c.query(sql, params).map { try $0.decode(String.self, at: 0) } }
    }
}
