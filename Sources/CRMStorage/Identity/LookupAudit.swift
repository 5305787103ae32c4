import CRMPostgres

/// The audit trail of member lookups by roles that see personal data masked: who looked, by what
/// kind of value (never the value itself, which is personal data), and whom it found.
public struct LookupAudit: Sendable {
    let pool: PostgresPool
    /// Member ids written into one entry at most; the count is always exact.
    public static let maxMembersListed = 100

    public init(pool: PostgresPool) { self.pool = pool }

    /// Appends one entry: `action` is the method (`member.find`), `kind` what was looked up by
    /// (`phone`, `email`, `name`, `member_id`, `account`).
    public func record(tokenID: Int64, action: String, kind: String, members: [Int64]) async throws {
        let listed = members.prefix(Self.maxMembersListed).map { String($0) }.joined(separator: ",")
        try await pool.withConnection { c in
            try AuditLog.record(
                c, tokenID: tokenID, action: action, subject: "member lookup",
                detail: ["kind": kind, "found": String(members.count), "members": listed])
        }
    }
}
