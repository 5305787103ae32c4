import CRMPostgres

/// The audit trail of administrative changes: who (token), what, on what, with which details.
public enum AuditLog {
    /// Appends an entry inside the caller's transaction, so the change and its record stand or fall together.
    public static func record(_ connection: PostgresConnection, tokenID: Int64?, action: String, subject: String, detail: [String: String]) throws {
        var keys: [String?] = []
        var values: [String?] = []
        for (k, v) in detail.sorted(by: { $0.key < $1.key }) {
            keys.append(k)
            values.append(v)
        }
        try connection.query(
            """
            INSERT INTO audit_log (token_id, action, subject, detail)
            VALUES ($1, $2, $3, COALESCE((SELECT jsonb_object_agg(k, v) FROM unnest($4::text[], $5::text[]) AS d(k, v)), '{}'))
            """, [.optional(tokenID), .text(action), .text(subject), .textArray(keys), .textArray(values)])
    }
}
