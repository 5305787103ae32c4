import CRMPostgres

/// Merchant settings stored as JSON text by name (`identity`, …); absent means the defaults.
public struct SettingStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// The stored JSON text of a setting, or nil.
    public func get(_ name: String) async throws -> String? {
        try await pool.withConnection { c in
            try c.query("SELECT value::text FROM setting WHERE name = $1", [.text(name)]).single?.decode(String.self, at: 0)
        }
    }

    /// The stored JSON text of several settings, by name (absent ones left out), in one statement.
    public func getMany(_ names: [String]) async throws -> [String: String] {
        try await pool.withConnection { c in
            var out: [String: String] = [:]
            for row in try c.queryPrepared("SELECT name, value::text FROM setting WHERE name = ANY($1::text[])", [.textArray(names)]) {
                out[try row.decode(at: 0)] = try row.decode(at: 1)
            }
            return out
        }
    }

    public func set(_ name: String, json: String, actorTokenID: Int64?) async throws {
        try await pool.withTransaction { c in try Self.write(c, name, json: json, actorTokenID: actorTokenID) }
    }

    /// Stores a setting (audited) inside the caller's transaction.
    static func write(_ c: PostgresConnection, _ name: String, json: String, actorTokenID: Int64?) throws {
        let actor = actorTokenID.map { "token:\($0)" } ?? "system"
        try c.query(
            """
            INSERT INTO setting (name, value, updated_by) VALUES ($1, $2::jsonb, $3)
            ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()
            """, [.text(name), .text(json), .text(actor)])
        try AuditLog.record(c, tokenID: actorTokenID, action: "config.set", subject: "setting:\(name)", detail: ["value": json])
    }
}
