import CRMDomain
import CRMPostgres

/// The read side of the notice outbox (docs/notices.md): readers (a messaging gateway, by its
/// token's name) pull notices in `seq` order and acknowledge how far they got.
///
/// A notice gets its `seq` when it is first pulled, not when it is written: ids come from an
/// identity taken at INSERT time, so a long transaction can commit a notice with a lower id after
/// a reader went past higher ones. Sequencing runs in its own short transaction under one
/// transaction-level advisory lock, so sequencers follow one another, each numbering only notices
/// already committed, in id order, after every number given before. The numbers a reader can see
/// are therefore always a prefix of those given: paging by `seq` never skips one.
public struct NoticeReader: Sendable {
    let pool: PostgresPool
    /// Most notices one pull numbers; a larger backlog is numbered over the next pulls.
    public static let maxSequencedPerPull = 1_000
    /// Most notices one pull answers.
    public static let maxPull = 1_000
    /// The advisory lock of sequencing, held to the end of its transaction.
    static let sequencingLock: Int64 = 0x63726d5f6e74  // "crm_nt"

    public init(pool: PostgresPool) { self.pool = pool }

    /// One notice as a reader receives it.
    public struct Pulled: Sendable {
        public var seq: Int64
        /// The member that answers for the notice's member now (following merges).
        public var member: Int64
        public var kind: String
        public var at: String
        public var marketing: Bool
        /// Channels the member consented to marketing through, in `ConsentChannel` order.
        public var consented: [String]
        /// The body, as JSON text.
        public var body: String

        /// Where the notice may be sent: anywhere for a service notice, consented channels for marketing.
        public var channels: [String] { marketing ? consented : ConsentChannel.words }
    }

    /// Numbers what became visible, then answers up to `limit` notices after `after` (default: the
    /// reader's acknowledged position), with that position.
    public func pull(reader: String, after: Int64?, limit: Int) async throws -> (acknowledged: Int64, notices: [Pulled]) {
        precondition((1...Self.maxPull).contains(limit), "limit checked by the caller")
        try await sequence()
        return try await pool.withConnection { c in
            let acknowledged = try Self.position(c, reader)
            return (acknowledged, try Self.page(c, after: after ?? acknowledged, limit: limit))
        }
    }

    /// Gives the next numbers to up to `maxSequencedPerPull` unnumbered committed notices, in id order.
    func sequence() async throws {
        try await pool.withTransaction { c in
            try c.queryPrepared("SELECT pg_advisory_xact_lock($1)", [.int(Self.sequencingLock)])
            // A statement of its own after the lock: its snapshot sees every number given before.
            let ids = try c.queryPrepared(
                "SELECT id FROM member_notice WHERE seq IS NULL ORDER BY id LIMIT $1", [.int(Int64(Self.maxSequencedPerPull))]
            ).map { try $0.decode(Int64.self, at: 0) }
            guard !ids.isEmpty else { return }
            // nextval is evaluated after the ORDER BY, so numbers follow ids.
            let numbered = try c.queryPrepared(
                """
                UPDATE member_notice m SET seq = t.s
                FROM (SELECT id, nextval('member_notice_seq') AS s FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, n) ORDER BY n) t
                WHERE m.id = t.id AND m.seq IS NULL
                """, [.intArray(ids)])
            precondition(numbered.affectedRows == ids.count, "only sequencers number notices, one at a time")
        }
    }

    /// The reader's acknowledged position (0 before its first acknowledgement).
    static func position(_ c: PostgresConnection, _ reader: String) throws -> Int64 {
        try c.queryPrepared("SELECT through FROM notice_reader WHERE name = $1", [.text(reader)]).single?.decode(at: 0) ?? 0
    }

    /// Numbered notices after `after`, each with its live member and that member's consented channels.
    static func page(_ c: PostgresConnection, after: Int64, limit: Int) throws -> [Pulled] {
        try c.queryPrepared(
            """
            WITH RECURSIVE page AS MATERIALIZED (
                SELECT seq, member_id, kind, crm_rfc3339(at) AS at, marketing, body::text AS body
                FROM member_notice WHERE seq > $1 ORDER BY seq LIMIT $2),
            chain (start, cur, depth) AS (
                SELECT DISTINCT member_id, member_id, 0 FROM page
                UNION ALL
                SELECT ch.start, m.merged_into, ch.depth + 1 FROM chain ch JOIN member m ON m.id = ch.cur
                WHERE m.merged_into IS NOT NULL AND ch.depth < 64),
            live AS (SELECT DISTINCT ON (start) start, cur FROM chain ORDER BY start, depth DESC)
            SELECT p.seq, l.cur, p.kind, p.at, p.marketing, p.body,
                   (SELECT COALESCE(string_agg(mc.channel, ','), '') FROM marketing_consent mc WHERE mc.member_id = l.cur AND mc.granted)
            FROM page p JOIN live l ON l.start = p.member_id ORDER BY p.seq
            """, [.int(after), .int(Int64(limit))]
        ).map { row in
            let granted = Set(try row.decode(String.self, at: 6).split(separator: ",").map(String.init))
            return Pulled(
                seq: try row.decode(at: 0), member: try row.decode(at: 1), kind: try row.decode(at: 2), at: try row.decode(at: 3),
                marketing: try row.decode(at: 4), consented: ConsentChannel.words.filter(granted.contains), body: try row.decode(at: 5))
        }
    }

    /// Moves the reader's position to `through` unless it is already past it; answers the position.
    /// A position beyond every notice numbered so far is refused: it would skip notices not yet seen.
    public func ack(reader: String, through: Int64) async throws -> Int64 {
        try await pool.withConnection { c in
            let last: Int64 = try c.queryPrepared("SELECT COALESCE(max(seq), 0)::bigint FROM member_notice", []).single!.decode(at: 0)
            guard through <= last else {
                throw StorageError.invalid(
                    field: "through", reason: .outOfRange, message: "through \(through) is beyond the last notice pulled (\(last))")
            }
            return try c.queryPrepared(
                """
                INSERT INTO notice_reader AS r (name, through) VALUES ($1, $2)
                ON CONFLICT (name) DO UPDATE SET through = GREATEST(r.through, EXCLUDED.through),
                    updated_at = CASE WHEN EXCLUDED.through > r.through THEN now() ELSE r.updated_at END
                RETURNING through
                """, [.text(reader), .int(through)]
            ).single!.decode(at: 0)
        }
    }
}
