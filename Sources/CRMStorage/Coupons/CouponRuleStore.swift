import CRMDomain
import CRMJSON
import CRMPostgres

/// The tiered coupon rules (`coupon.rule.add|list|disable`), versioned by name like points rules:
/// adding a rule under a name in force retires the old version; orders paid after it use the new.
public struct CouponRuleStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// A rule as stored, with its version.
    public struct RuleRecord: Sendable {
        public var id: Int64
        public var rule: CouponTiers
        public var createdAt: String
        public var createdBy: String
        public var disabledAt: String?
    }

    static let lockSpace: Int32 = 0x6372_756c  // "crul"

    /// Adds a rule, or a new version of the rule with that name; every tier's template must exist.
    public func add(_ rule: CouponTiers, actor: String) async throws -> RuleRecord {
        precondition(rule.problems().isEmpty, "the caller checked the rule")
        return try await pool.withTransaction { c in
            try c.queryPrepared("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [.int(Int64(Self.lockSpace)), .text(rule.name)])
            let templates = Array(Set(rule.tiers.map(\.template))).sorted()
            let known = Set(
                try c.queryPrepared("SELECT name FROM coupon_template WHERE name = ANY($1::text[])", [.textArray(templates)])
                    .map { try $0.decode(String.self, at: 0) })
            if let missing = templates.first(where: { !known.contains($0) }) {
                throw StorageError.notFound(reason: .templateNotFound, message: "no coupon template named \(missing)")
            }
            let version: Int64 = try c.queryPrepared("SELECT COALESCE(max(version), 0) + 1 FROM coupon_rule WHERE name = $1", [.text(rule.name)])
                .single!.decode(at: 0)
            try c.queryPrepared(
                "UPDATE coupon_rule SET disabled_at = now(), disabled_by = $2 WHERE name = $1 AND disabled_at IS NULL", [.text(rule.name), .text(actor)])
            let row = try c.queryPrepared(
                "INSERT INTO coupon_rule (name, version, definition, created_by) VALUES ($1, $2, $3::jsonb, $4) RETURNING id, crm_rfc3339(created_at)",
                [.text(rule.name), .int(version), .text(JSONSerializer.serialize(CouponRuleDefinition.render(rule))), .text(actor)]
            ).single!
            var stored = rule
            stored.version = version
            stored.tiers.sort { $0.minAmountFen < $1.minAmountFen }
            return RuleRecord(id: try row.decode(at: 0), rule: stored, createdAt: try row.decode(at: 1), createdBy: actor, disabledAt: nil)
        }
    }

    /// The rules in force (and the retired and disabled versions when asked), by name and version.
    public func rules(includeDisabled: Bool) async throws -> [RuleRecord] {
        try await pool.withConnection { c in try Self.records(c, includeDisabled: includeDisabled) }
    }

    /// Disables the rule of that name for orders paid from now on; answers its id.
    public func disable(name: String, actor: String) async throws -> Int64 {
        try await pool.withTransaction { c in
            guard
                let row = try c.queryPrepared(
                    "UPDATE coupon_rule SET disabled_at = now(), disabled_by = $2 WHERE name = $1 AND disabled_at IS NULL RETURNING id",
                    [.text(name), .text(actor)]
                ).single
            else {
                throw StorageError.notFound(reason: .ruleNotFound, message: "no coupon rule in force named \(name)")
            }
            return try row.decode(at: 0)
        }
    }

    /// The rules in force, read on the caller's connection (a push reads them once).
    static func activeRules(_ c: PostgresConnection) throws -> [CouponTiers] {
        try records(c, includeDisabled: false).map(\.rule)
    }

    private static func records(_ c: PostgresConnection, includeDisabled: Bool) throws -> [RuleRecord] {
        try c.queryPrepared(
            """
            SELECT id, name, version, definition::text, crm_rfc3339(created_at), created_by, crm_rfc3339(disabled_at)
            FROM coupon_rule WHERE $1 OR disabled_at IS NULL ORDER BY name, version
            """, [.bool(includeDisabled)]
        ).map { row in
            let name: String = try row.decode(at: 1)
            let version: Int64 = try row.decode(at: 2)
            return RuleRecord(
                id: try row.decode(at: 0),
                rule: CouponRuleDefinition.stored(try JSONParser.parse(try row.decode(String.self, at: 3)), name: name, version: version),
                createdAt: try row.decode(at: 4), createdBy: try row.decode(at: 5), disabledAt: try row.decode(at: 6))
        }
    }
}
