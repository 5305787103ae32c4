import CRMDomain
import CRMPostgres

/// One row of the access audit: a read of unmasked personal data by an operator or admin.
public struct AccessAuditRecord: Sendable, Equatable {
    public var id: Int64
    public var at: String
    public var tokenID: Int64?
    public var tokenName: String?
    public var method: String
    /// The personal fields the read showed (`name`, `phone` …).
    public var fields: [String]
    /// How many members the read showed; exact even when `members` is cut short.
    public var memberCount: Int
    /// The members shown, at most `AccessAudit.maxMembersListed`, by id.
    public var members: [Int64]
}

/// A read to record in the access audit: who read, through which method, which fields of which members.
public struct AccessAuditEntry: Sendable, Equatable {
    public var tokenID: Int64?
    public var method: String
    public var fields: [String]
    public var members: [Int64]

    public init(tokenID: Int64?, method: String, fields: [String], members: [Int64]) {
        self.tokenID = tokenID
        self.method = method
        self.fields = fields
        self.members = members
    }
}

/// The access audit (`access_audit`): who read whose unmasked personal data, which fields, when.
///
/// One row per call, not per member: a page of an export is one row with its member count and
/// its members (a page holds at most 5,000, which bounds the list), so the audit costs one insert
/// of a row and one of an array per call however large the page, and still answers "who looked at
/// member X" through `access_audit_member`.
public struct AccessAudit: Sendable {
    let pool: PostgresPool
    /// Members listed in one row at most: the largest page any method returns (`segment.export`).
    public static let maxMembersListed = SegmentStore.maxExportPage

    public init(pool: PostgresPool) { self.pool = pool }

    /// Appends one row inside the caller's transaction (`member.export`, `member.erase` record theirs
    /// with their change). Nothing is written for a read that showed no member and no field (a
    /// review guard shows a key value that belongs to no member yet: fields, no members).
    public static func record(
        _ c: PostgresConnection, tokenID: Int64?, method: String, fields: [String], members: [Int64]
    ) throws {
        try insert(c, tokenID: tokenID, method: method, fields: fields, members: members, waitForDisk: true)
    }

    /// Appends one row in a statement of its own, committed without waiting for the disk: a read
    /// pays an insert, not a WAL flush. The row is written or the read fails; only a crash of the
    /// database server itself can lose the last moment's rows (at most three `wal_writer_delay`s,
    /// 0.6 s by default).
    public func record(tokenID: Int64?, method: String, fields: [String], members: [Int64]) async throws {
        guard !members.isEmpty || !fields.isEmpty else { return }
        try await pool.withConnection { c in
            try Self.insert(c, tokenID: tokenID, method: method, fields: fields, members: members, waitForDisk: false)
        }
    }

    /// Runs `select` — a read whose parameters start at `$1` without an entry and at `$6` with one
    /// (`select` is given that first number) — as one statement that also appends `entry`'s row,
    /// committed without waiting for the disk as `record(tokenID:…)` is. A read that records itself
    /// this way pays neither a pool checkout nor a round trip of its own for the audit, and the row
    /// is still written or the read fails.
    static func query(
        _ c: PostgresConnection, recording entry: AccessAuditEntry?, _ select: (_ firstParameter: Int) -> String, _ values: [PostgresValue]
    ) throws -> PostgresResult {
        guard let entry, !entry.members.isEmpty || !entry.fields.isEmpty else { return try c.queryPrepared(select(1), values) }
        let (listed, count) = listedMembers(entry.members)
        return try c.queryPrepared(
            """
            WITH row AS (
                INSERT INTO access_audit (token_id, method, fields, member_count)
                SELECT $1, $2, $3::text[], $4 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit RETURNING id),
            listed AS (INSERT INTO access_audit_member (audit_id, member_id) SELECT row.id, m FROM row, unnest($5::bigint[]) AS m)
            \(select(6))
            """,
            [.optional(entry.tokenID), .text(entry.method), .textArray(entry.fields), .int(Int64(count)), .intArray(listed)] + values)
    }

    /// The members a row lists (each once, at most `maxMembersListed`) and how many there were.
    private static func listedMembers(_ members: [Int64]) -> (listed: [Int64?], count: Int) {
        var seen = Set<Int64>()
        let listed = members.filter { seen.insert($0).inserted }.prefix(maxMembersListed).map { Optional($0) }
        return (Array(listed), seen.count)
    }

    /// The insert. Without `waitForDisk` it is one statement that sets `synchronous_commit` for
    /// its own implicit transaction (read when that transaction commits, at the statement's end);
    /// inside a caller's transaction it must wait, or it would loosen the caller's commit too.
    private static func insert(
        _ c: PostgresConnection, tokenID: Int64?, method: String, fields: [String], members: [Int64], waitForDisk: Bool
    ) throws {
        guard !members.isEmpty || !fields.isEmpty else { return }
        let (listed, count) = listedMembers(members)
        let commit = waitForDisk ? "" : " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
        // Prepared once per connection: a read pays the insert's execution only.
        try c.queryPrepared(
            """
            WITH row AS (
                INSERT INTO access_audit (token_id, method, fields, member_count)
                SELECT $1, $2, $3::text[], $4\(commit) RETURNING id)
            INSERT INTO access_audit_member (audit_id, member_id) SELECT row.id, m FROM row, unnest($5::bigint[]) AS m
            """,
            [.optional(tokenID), .text(method), .textArray(fields), .int(Int64(count)), .intArray(listed)])
    }

    /// Rows newest first, after `beforeID` (the cursor), for one member and/or one token name.
    public func list(memberID: Int64?, tokenName: String?, beforeID: Int64?, limit: Int) async throws -> [AccessAuditRecord] {
        precondition(limit > 0 && limit <= PageCursor.maxLimit + 1, "limit out of range")
        // By member, the walk starts from that member's rows (`access_audit_member_member`); else
        // from the newest rows (`access_audit_at`).
        let source =
            memberID == nil
            ? "access_audit a WHERE $1::bigint IS NULL"
            : "access_audit_member am JOIN access_audit a ON a.id = am.audit_id WHERE am.member_id = $1"
        return try await pool.withConnection { c in
            try c.query(
                """
                SELECT a.id, crm_rfc3339(a.at), a.token_id, (SELECT t.name FROM api_token t WHERE t.id = a.token_id), a.method,
                       array_to_string(a.fields, ','), a.member_count,
                       (SELECT array_to_string(array_agg(x.member_id ORDER BY x.member_id), ',') FROM access_audit_member x WHERE x.audit_id = a.id)
                FROM \(source)
                  AND ($2::text IS NULL OR a.token_id IN (SELECT t.id FROM api_token t WHERE t.name = $2))
                  AND ($3::bigint IS NULL OR a.id < $3)
                ORDER BY a.id DESC LIMIT $4
                """, [.optional(memberID), .optional(tokenName), .optional(beforeID), .int(Int64(limit))]
            ).map { row in
                AccessAuditRecord(
                    id: try row.decode(at: 0), at: try row.decode(at: 1), tokenID: try row.decode(at: 2), tokenName: try row.decode(at: 3),
                    method: try row.decode(at: 4), fields: Self.split(try row.decode(at: 5)), memberCount: try row.decode(at: 6),
                    members: Self.split(try row.decode(String?.self, at: 7) ?? "").compactMap { Int64($0) })
            }
        }
    }

    private static func split(_ text: String) -> [String] { text.split(separator: ",").map(String.init) }
}
