import CRMDomain
import CRMJSON
import CRMPostgres

/// A template version as stored, with its name's budget and count issued.
public struct CouponTemplateRecord: Sendable {
    public var template: CouponTemplate
    /// The stored definition (`CouponTemplateDefinition`), as shown to clients.
    public var terms: JSONValue
    public var budget: Int64?
    public var issued: Int64
    public var disabledAt: String?
    public var createdAt: String
    public var createdBy: String
}

/// A coupon as a member holds it, with the terms of the version it was issued under.
public struct CouponRecord: Sendable {
    public var id: Int64
    public var code: String
    public var template: CouponTemplate
    public var status: CouponStatus
    public var source: String
    public var sourceRef: String?
    public var member: Int64
    public var originMember: Int64
    public var issuedAt: String
    public var validFrom: String
    public var expiresAt: String
    public var redeemedAt: String?
    public var shop: String?
    public var orderNo: String?
    public var discountFen: Int64?
    public var endedAt: String?
}

/// One event of a coupon's life.
public struct CouponEventRecord: Sendable {
    public var at: String
    public var kind: String
    public var member: Int64
    public var actor: String
    public var detail: JSONValue?
}

/// Coupons for the server's methods (docs/coupons.md): templates and their versions, and reading
/// coupons. Issuing, redemption, voiding, expiry and the figures are in extensions of their own
/// files. Each call is one transaction.
public struct CouponStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// Adds a template, or a new version of the template of that name: coupons issued from now on
    /// get the new terms, those already issued keep theirs. The budget is the name's: the new one
    /// replaces the old (never below what was issued); a disabled template is enabled again.
    public func addTemplate(_ t: CouponTemplate, actor: String) async throws -> CouponTemplateRecord {
        try await pool.withTransaction { c in
            try c.queryPrepared("INSERT INTO coupon_template (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", [.text(t.name)])
            let issued: Int64 = try c.queryPrepared("SELECT issued FROM coupon_template WHERE name = $1 FOR UPDATE", [.text(t.name)]).single!.decode(at: 0)
            if let budget = t.budget, budget < issued {
                throw StorageError.invalid(
                    field: "budget", reason: .badCoupon, message: "budget \(budget) is below the \(issued) coupons of \(t.name) already issued")
            }
            try c.queryPrepared(
                "UPDATE coupon_template SET budget = $2, disabled_at = NULL, disabled_by = NULL WHERE name = $1", [.text(t.name), .optional(t.budget)])
            try c.queryPrepared(
                """
                INSERT INTO coupon_template_version (name, version, definition, created_by)
                SELECT $1, COALESCE(max(version), 0) + 1, $2::jsonb, $3 FROM coupon_template_version WHERE name = $1
                """, [.text(t.name), .text(JSONSerializer.serialize(CouponTemplateDefinition.render(t))), .text(actor)])
            return try Self.templates(c, name: t.name, allVersions: false, includeDisabled: true)[0]
        }
    }

    /// The current version of every template (with `includeDisabled`, the disabled ones too), or
    /// every version of the one named, newest first.
    public func templates(name: String?, includeDisabled: Bool) async throws -> [CouponTemplateRecord] {
        try await pool.withConnection { c in
            let found = try Self.templates(c, name: name, allVersions: name != nil, includeDisabled: includeDisabled || name != nil)
            if let name, found.isEmpty { throw StorageError.notFound(reason: .templateNotFound, message: "no coupon template named \(name)") }
            return found
        }
    }

    static func templates(_ c: PostgresConnection, name: String?, allVersions: Bool, includeDisabled: Bool) throws -> [CouponTemplateRecord] {
        try c.queryPrepared(
            """
            SELECT t.name, v.version, v.definition::text, t.budget, t.issued, crm_rfc3339(t.disabled_at), crm_rfc3339(v.created_at), v.created_by
            FROM coupon_template t JOIN coupon_template_version v ON v.name = t.name
            WHERE ($1::text IS NULL OR t.name = $1) AND ($3 OR t.disabled_at IS NULL)
              AND ($2 OR v.version = (SELECT max(version) FROM coupon_template_version WHERE name = t.name))
            ORDER BY t.name, v.version DESC
            """, [.optional(name), .bool(allVersions), .bool(includeDisabled)]
        ).map { row in
            let terms = try JSONParser.parse(try row.decode(String.self, at: 2))
            return CouponTemplateRecord(
                template: CouponTemplateDefinition.stored(terms, name: try row.decode(at: 0), version: try row.decode(at: 1)), terms: terms,
                budget: try row.decode(at: 3), issued: try row.decode(at: 4), disabledAt: try row.decode(at: 5), createdAt: try row.decode(at: 6),
                createdBy: try row.decode(at: 7))
        }
    }

    /// Stops issuing the template (coupons already issued stay usable).
    public func disableTemplate(name: String, actor: String) async throws -> CouponTemplateRecord {
        try await pool.withTransaction { c in
            guard
                try c.queryPrepared(
                    "UPDATE coupon_template SET disabled_at = now(), disabled_by = $2 WHERE name = $1 AND disabled_at IS NULL RETURNING 1",
                    [.text(name), .text(actor)]
                ).single != nil
            else {
                throw StorageError.notFound(reason: .templateNotFound, message: "no coupon template in force named \(name)")
            }
            return try Self.templates(c, name: name, allVersions: false, includeDisabled: true)[0]
        }
    }

    static let couponColumns = """
        c.id, c.code, c.template, v.version, v.definition::text, c.status, c.source, c.source_ref, c.member_id, c.origin_member_id,
        crm_rfc3339(c.issued_at), crm_rfc3339(c.valid_from), crm_rfc3339(c.expires_at), crm_rfc3339(c.redeemed_at), s.code,
        COALESCE(c.redeemed_order_no, o.order_no), c.discount_fen, crm_rfc3339(c.ended_at)
        FROM coupon c JOIN coupon_template_version v ON v.id = c.template_id
        LEFT JOIN shop s ON s.id = c.redeemed_shop_id LEFT JOIN shop_order o ON o.id = c.redeemed_order_id
        """

    static func coupon(_ row: PostgresRow) throws -> CouponRecord {
        let code: String = try row.decode(at: 1)
        guard let status = CouponStatus(rawValue: try row.decode(at: 5)) else { preconditionFailure("coupon \(code) has an unknown status") }
        return CouponRecord(
            id: try row.decode(at: 0), code: code,
            template: CouponTemplateDefinition.stored(
                try JSONParser.parse(try row.decode(String.self, at: 4)), name: try row.decode(at: 2), version: try row.decode(at: 3)),
            status: status, source: try row.decode(at: 6), sourceRef: try row.decode(at: 7), member: try row.decode(at: 8),
            originMember: try row.decode(at: 9), issuedAt: try row.decode(at: 10), validFrom: try row.decode(at: 11), expiresAt: try row.decode(at: 12),
            redeemedAt: try row.decode(at: 13), shop: try row.decode(at: 14), orderNo: try row.decode(at: 15), discountFen: try row.decode(at: 16),
            endedAt: try row.decode(at: 17))
    }

    /// A live member's coupons, newest first, before coupon id `beforeID`.
    public func coupons(member id: Int64, status: CouponStatus?, beforeID: Int64?, limit: Int) async throws -> (member: Int64, coupons: [CouponRecord]) {
        try await pool.withConnection { c in
            let member = try MemberMerger.liveMember(c, id)
            let rows = try c.queryPrepared(
                """
                SELECT \(Self.couponColumns)
                WHERE c.member_id = $1 AND ($2::text IS NULL OR c.status = $2) AND ($3::bigint IS NULL OR c.id < $3)
                ORDER BY c.id DESC LIMIT $4
                """, [.int(member), .optional(status?.rawValue), .optional(beforeID), .int(Int64(limit))])
            return (member, try rows.map(Self.coupon))
        }
    }

    /// One coupon by its (normalised) code, with its events oldest first.
    public func coupon(code: String) async throws -> (coupon: CouponRecord, events: [CouponEventRecord]) {
        try await pool.withConnection { c in
            guard let row = try c.queryPrepared("SELECT \(Self.couponColumns) WHERE c.code = $1", [.text(code)]).single else {
                throw StorageError.notFound(reason: .couponNotFound, message: "no coupon has the code \(code)")
            }
            let coupon = try Self.coupon(row)
            let events = try c.queryPrepared(
                "SELECT crm_rfc3339(at), kind, member_id, actor, detail::text FROM coupon_event WHERE coupon_id = $1 ORDER BY id", [.int(coupon.id)]
            ).map { row in
                let detail: String? = try row.decode(at: 4)
                return CouponEventRecord(
                    at: try row.decode(at: 0), kind: try row.decode(at: 1), member: try row.decode(at: 2), actor: try row.decode(at: 3),
                    detail: try detail.map { try JSONParser.parse($0) })
            }
            return (coupon, events)
        }
    }
}
