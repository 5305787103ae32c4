import CRMDomain
import CRMPostgres

/// One template's coupons by status and what the redeemed ones were worth (fen).
public struct CouponTemplateFigures: Sendable {
    public var template: String
    public var issued: Int64
    public var redeemed: Int64
    public var expired: Int64
    public var voided: Int64
    public var usable: Int64
    /// Face value of the redeemed coupons: an amount-off coupon's value, a percent-off coupon's discount.
    public var faceValueRedeemedFen: Int64
    public var discountFen: Int64

    /// 核銷率, redeemed / issued to four places rounded half up ("0.4000"); nil before any is issued.
    public var redemptionRate: String? {
        guard issued > 0 else { return nil }
        let basisPoints = (redeemed * 20_000 + issued) / (2 * issued)
        let fraction = String(basisPoints % 10_000)
        return "\(basisPoints / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }
}

/// A template's redemptions in one shop (fen).
public struct CouponShopFigures: Sendable {
    public var template: String
    public var shop: String
    public var redeemed: Int64
    public var faceValueRedeemedFen: Int64
    public var discountFen: Int64
}

/// The redemption figures (`coupon.stats`).
extension CouponStore {
    /// Face value of a redeemed coupon in SQL (`c` the coupon, `v` its template version).
    static let faceSQL = """
        CASE WHEN v.definition->>'kind' = 'amount' THEN round((v.definition->>'value')::numeric * 100)::bigint ELSE c.discount_fen END
        """

    public func figures(template: String?) async throws -> (templates: [CouponTemplateFigures], shops: [CouponShopFigures]) {
        try await pool.withTransaction { c in
            try c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if let template, try c.queryPrepared("SELECT 1 FROM coupon_template WHERE name = $1", [.text(template)]).single == nil {
                throw StorageError.notFound(reason: .templateNotFound, message: "no coupon template named \(template)")
            }
            let templates = try c.queryPrepared(
                """
                SELECT t.name, count(c.id), count(*) FILTER (WHERE c.status = 'redeemed'), count(*) FILTER (WHERE c.status = 'expired'),
                       count(*) FILTER (WHERE c.status = 'voided'), count(*) FILTER (WHERE c.status = 'usable'),
                       COALESCE(sum(\(Self.faceSQL)) FILTER (WHERE c.status = 'redeemed'), 0)::bigint,
                       COALESCE(sum(c.discount_fen) FILTER (WHERE c.status = 'redeemed'), 0)::bigint
                FROM coupon_template t LEFT JOIN coupon c ON c.template = t.name LEFT JOIN coupon_template_version v ON v.id = c.template_id
                WHERE $1::text IS NULL OR t.name = $1 GROUP BY t.name ORDER BY t.name
                """, [.optional(template)]
            ).map { row in
                CouponTemplateFigures(
                    template: try row.decode(at: 0), issued: try row.decode(at: 1), redeemed: try row.decode(at: 2), expired: try row.decode(at: 3),
                    voided: try row.decode(at: 4), usable: try row.decode(at: 5), faceValueRedeemedFen: try row.decode(at: 6),
                    discountFen: try row.decode(at: 7))
            }
            let shops = try c.queryPrepared(
                """
                SELECT c.template, s.code, count(*), sum(\(Self.faceSQL))::bigint, sum(c.discount_fen)::bigint
                FROM coupon c JOIN coupon_template_version v ON v.id = c.template_id JOIN shop s ON s.id = c.redeemed_shop_id
                WHERE c.status = 'redeemed' AND ($1::text IS NULL OR c.template = $1) GROUP BY c.template, s.code ORDER BY c.template, s.code
                """, [.optional(template)]
            ).map { row in
                CouponShopFigures(
                    template: try row.decode(at: 0), shop: try row.decode(at: 1), redeemed: try row.decode(at: 2),
                    faceValueRedeemedFen: try row.decode(at: 3), discountFen: try row.decode(at: 4))
            }
            return (templates, shops)
        }
    }
}
