import CRMDomain
import CRMPostgres

/// A shop as stored.
public struct ShopRecord: Sendable, Equatable {
    public var id: Int64
    public var code: String
    public var name: String
    public var createdAt: String
}

/// Shops: creating and listing them.
public struct ShopStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    static let columns = "id, code, name, crm_rfc3339(created_at) AS created_at"

    static func record(_ row: PostgresRow) throws -> ShopRecord {
        ShopRecord(id: try row.decode(at: 0), code: try row.decode(at: 1), name: try row.decode(at: 2), createdAt: try row.decode(at: 3))
    }

    public func create(code: ShopCode, name: String, actorTokenID: Int64?) async throws -> ShopRecord {
        try await pool.withTransaction { c in
            let inserted = try c.query(
                """
                INSERT INTO shop (code, name) VALUES ($1, $2)
                ON CONFLICT (code) DO NOTHING
                RETURNING \(Self.columns)
                """, [.text(code.value), .text(name)])
            guard let row = inserted.single else {
                throw StorageError.conflict(reason: .shopExists, message: "a shop with code \(code) already exists")
            }
            let shop = try Self.record(row)
            try AuditLog.record(c, tokenID: actorTokenID, action: "shop.create", subject: "shop:\(code)", detail: ["name": name])
            return shop
        }
    }

    /// Shops ordered by code, after `afterCode` (the cursor's key).
    public func list(afterCode: String?, limit: Int) async throws -> [ShopRecord] {
        precondition(limit > 0 && limit <= PageCursor.maxLimit + 1, "limit out of range")
        return try await pool.withConnection { c in
            try c.query(
                "SELECT \(Self.columns) FROM shop WHERE $1::text IS NULL OR code > $1 ORDER BY code LIMIT $2",
                [.optional(afterCode), .int(Int64(limit))]
            ).map(Self.record)
        }
    }

    public func find(code: String) async throws -> ShopRecord? {
        try await pool.withConnection { c in
            try c.query("SELECT \(Self.columns) FROM shop WHERE code = $1", [.text(code)]).single.map(Self.record)
        }
    }
}
