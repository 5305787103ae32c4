import CRMDomain
import CRMPostgres

/// A token as listed (never with the token itself).
public struct TokenRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var role: Role
    public var shop: String?
    public var createdAt: String
    public var revokedAt: String?
    public var lastUsedAt: String?
    /// The shops an operator or analyst token is limited to, by code; empty when it is not limited.
    public var shops: [String] = []
}

/// Who a valid token belongs to, as a session needs it.
public struct TokenIdentity: Sendable, Equatable {
    public var tokenID: Int64
    public var name: String
    public var role: Role
    /// The shop an agent is bound to.
    public var shop: String?
    /// The shops an operator or analyst token is limited to, by code; empty when it is not limited.
    public var shops: [String] = []

    /// Whether this session sees only members and orders of `shops`.
    public var isShopScoped: Bool { !shops.isEmpty }
}

/// Access tokens: issued, looked up by hash, listed, revoked.
public struct TokenStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    static let columns = """
        t.id, t.name, t.role, s.code AS shop, crm_rfc3339(t.created_at) AS created_at,
        crm_rfc3339(t.revoked_at) AS revoked_at, crm_rfc3339(t.last_used_at) AS last_used_at,
        \(scopeColumn)
        """

    /// The codes of the shops a token `t` is limited to, sorted, joined by commas (shop codes hold
    /// none); empty when it is not limited.
    static let scopeColumn = """
        array_to_string(ARRAY(SELECT s2.code FROM api_token_shop ts JOIN shop s2 ON s2.id = ts.shop_id WHERE ts.token_id = t.id ORDER BY s2.code), ',')
        """

    static func shops(_ text: String) -> [String] { text.split(separator: ",").map(String.init) }

    static func record(_ row: PostgresRow) throws -> TokenRecord {
        let roleText: String = try row.decode(at: 2)
        guard let role = Role(rawValue: roleText) else {
            preconditionFailure("the database holds a token with unknown role \(roleText)")
        }
        return TokenRecord(
            id: try row.decode(at: 0), name: try row.decode(at: 1), role: role, shop: try row.decode(at: 3),
            createdAt: try row.decode(at: 4), revokedAt: try row.decode(at: 5), lastUsedAt: try row.decode(at: 6),
            shops: shops(try row.decode(at: 7)))
    }

    /// Issues a token; returns its record and the token text, which is shown this once only.
    /// `shops` limits an operator or analyst token to those shops (empty: the whole base).
    public func create(role: Role, shop: String?, shops: [String] = [], name: String, actorTokenID: Int64?) async throws -> (TokenRecord, String) {
        precondition(role.shopProblem(shop) == nil, "agent tokens, and only they, name a shop")
        precondition(shops.isEmpty || role.mayBeShopScoped, "only operator and analyst tokens are limited to shops")
        let token = AccessToken.generate()
        let hash = AccessToken.hash(token)
        let record = try await pool.withTransaction { c in
            var shopID: Int64? = nil
            if let shop {
                guard let row = try c.query("SELECT id FROM shop WHERE code = $1", [.text(shop)]).single else {
                    throw StorageError.notFound(reason: .shopNotFound, message: "no shop with code \(shop)")
                }
                shopID = try row.decode(Int64.self, at: 0)
            }
            let id: Int64 = try c.query(
                """
                INSERT INTO api_token (name, role, shop_id, token_hash, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id
                """, [.text(name), .text(role.rawValue), .optional(shopID), .bytes(hash), .optional(actorTokenID)]
            ).single!.decode(at: 0)
            try Self.limit(c, tokenID: id, to: shops)
            try AuditLog.record(
                c, tokenID: actorTokenID, action: "token.create", subject: "token:\(id)",
                detail: ["role": role.rawValue, "name": name, "shop": shop ?? "", "shops": shops.joined(separator: ",")])
            return try Self.record(c.query("SELECT \(Self.columns) FROM api_token t LEFT JOIN shop s ON s.id = t.shop_id WHERE t.id = $1", [.int(id)]).single!)
        }
        return (record, token)
    }

    /// Writes the shops a new token is limited to; an unknown code refuses the whole token.
    static func limit(_ c: PostgresConnection, tokenID: Int64, to shops: [String]) throws {
        guard !shops.isEmpty else { return }
        let found = try c.query(
            "INSERT INTO api_token_shop (token_id, shop_id) SELECT $1, id FROM shop WHERE code = ANY($2::text[]) RETURNING shop_id",
            [.int(tokenID), .textArray(shops)])
        guard found.count == Set(shops).count else {
            let known = Set(try c.query("SELECT code FROM shop WHERE code = ANY($1::text[])", [.textArray(shops)]).map { try $0.decode(String.self, at: 0) })
            let missing = shops.filter { !known.contains($0) }
            throw StorageError.notFound(reason: .shopNotFound, message: "no shop with code \(missing.joined(separator: ", "))")
        }
    }

    /// Makes sure `token` exists as an admin token (the `CRM_ADMIN_TOKEN` bootstrap). A revoked
    /// token stays revoked: the environment cannot resurrect it.
    public func ensureBootstrapAdmin(token: String) async throws -> Bool {
        let hash = AccessToken.hash(token)
        return try await pool.withTransaction { c in
            let inserted = try c.query(
                """
                INSERT INTO api_token (name, role, token_hash) VALUES ('bootstrap admin (CRM_ADMIN_TOKEN)', 'admin', $1)
                ON CONFLICT (token_hash) DO NOTHING RETURNING id
                """, [.bytes(hash)])
            if let row = inserted.single {
                try AuditLog.record(
                    c, tokenID: nil, action: "token.create", subject: "token:\(try row.decode(Int64.self, at: 0))",
                    detail: ["role": "admin", "name": "bootstrap admin (CRM_ADMIN_TOKEN)"])
                return true
            }
            return false
        }
    }

    /// The identity behind a token, or `nil` when it is unknown or revoked. Records the use.
    public func authenticate(token: String) async throws -> TokenIdentity? {
        let hash = AccessToken.hash(token)
        return try await pool.withConnection { c in
            guard
                let row = try c.query(
                    """
                    UPDATE api_token t SET last_used_at = now()
                    WHERE t.token_hash = $1 AND t.revoked_at IS NULL
                    RETURNING t.id, t.name, t.role, (SELECT s.code FROM shop s WHERE s.id = t.shop_id), \(Self.scopeColumn)
                    """, [.bytes(hash)]
                ).single
            else { return nil }
            return TokenIdentity(
                tokenID: try row.decode(at: 0), name: try row.decode(at: 1),
                role: Role(rawValue: try row.decode(at: 2))!, shop: try row.decode(at: 3), shops: Self.shops(try row.decode(at: 4)))
        }
    }

    /// Whether the token with this id is still valid (sessions re-check periodically).
    public func isActive(tokenID: Int64) async throws -> Bool {
        try await pool.withConnection { c in
            try !c.query("SELECT 1 FROM api_token WHERE id = $1 AND revoked_at IS NULL", [.int(tokenID)]).isEmpty
        }
    }

    public func list(afterID: Int64?, limit: Int, includeRevoked: Bool) async throws -> [TokenRecord] {
        precondition(limit > 0 && limit <= PageCursor.maxLimit + 1, "limit out of range")
        return try await pool.withConnection { c in
            try c.query(
                """
                SELECT \(Self.columns) FROM api_token t LEFT JOIN shop s ON s.id = t.shop_id
                WHERE ($1::bigint IS NULL OR t.id > $1) AND ($2 OR t.revoked_at IS NULL)
                ORDER BY t.id LIMIT $3
                """, [.optional(afterID), .bool(includeRevoked), .int(Int64(limit))]
            ).map(Self.record)
        }
    }

    /// Revokes a token; revoking one already revoked is not an error (the first time is kept).
    public func revoke(id: Int64, actorTokenID: Int64?) async throws -> TokenRecord {
        try await pool.withTransaction { c in
            guard try c.query("SELECT 1 FROM api_token WHERE id = $1 FOR UPDATE", [.int(id)]).single != nil else {
                throw StorageError.notFound(reason: .tokenNotFound, message: "no token with id \(id)")
            }
            let changed = try c.query("UPDATE api_token SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [.int(id)])
            if changed.affectedRows == 1 {
                try AuditLog.record(c, tokenID: actorTokenID, action: "token.revoke", subject: "token:\(id)", detail: [:])
            }
            return try Self.record(c.query("SELECT \(Self.columns) FROM api_token t LEFT JOIN shop s ON s.id = t.shop_id WHERE t.id = $1", [.int(id)]).single!)
        }
    }
}
