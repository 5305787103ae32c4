import CRMDomain
import CRMPostgres

/// Marketing consent per member and channel (docs/notices.md): the answer in force with its source
/// and time, and the history of every change (`marketing_consent_event`). A merged member's id
/// stands for its survivor, as everywhere.
public struct ConsentStore: Sendable {
    let pool: PostgresPool
    /// Most history lines `consent.get` answers.
    public static let maxHistory = 100

    public init(pool: PostgresPool) { self.pool = pool }

    /// A member's answer for one channel.
    public struct Answer: Sendable, Equatable {
        public var channel: String
        public var granted: Bool
        public var source: String
        public var at: String
        public var actor: String
    }

    /// One change of an answer.
    public struct Event: Sendable {
        public var channel: String
        public var kind: String
        public var granted: Bool
        public var source: String
        public var at: String
        public var actor: String
        public var mergeID: Int64?
    }

    static let answerColumns = "channel, granted, source, crm_rfc3339(at), actor"

    static func answer(_ row: PostgresRow) throws -> Answer {
        Answer(
            channel: try row.decode(at: 0), granted: try row.decode(at: 1), source: try row.decode(at: 2), at: try row.decode(at: 3),
            actor: try row.decode(at: 4))
    }

    /// Records an answer; answers the live member, the answer in force, and whether anything changed
    /// (the same answer from the same source again changes nothing, so a retry is harmless).
    public func set(
        member: Int64, channel: ConsentChannel, granted: Bool, source: String, actor: String
    ) async throws -> (
        member: Int64, answer: Answer, changed: Bool
    ) {
        try await pool.withTransaction { c in
            let live = try MemberMerger.liveMember(c, member)
            // An erased member's consent is gone for good; the row lock orders this after an erasure
            // under way (which locks its members FOR UPDATE), or the erasure after this.
            try c.queryPrepared("SELECT 1 FROM member WHERE id = $1 FOR KEY SHARE", [.int(live)])
            try MemberFamily.refuseErased(c, [live], doing: "record consent")
            if let row = try c.queryPrepared(
                """
                SELECT \(Self.answerColumns) FROM marketing_consent
                WHERE member_id = $1 AND channel = $2 AND granted = $3 AND source = $4 AND origin_member_id IS NULL FOR UPDATE
                """, [.int(live), .text(channel.rawValue), .bool(granted), .text(source)]
            ).single {
                return (live, try Self.answer(row), false)
            }
            let row = try c.queryPrepared(
                """
                INSERT INTO marketing_consent AS mc (member_id, channel, granted, source, actor) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (member_id, channel) DO UPDATE
                    SET granted = EXCLUDED.granted, source = EXCLUDED.source, at = now(), actor = EXCLUDED.actor, origin_member_id = NULL
                RETURNING \(Self.answerColumns)
                """, [.int(live), .text(channel.rawValue), .bool(granted), .text(source), .text(actor)]
            ).single!
            try c.queryPrepared(
                """
                INSERT INTO marketing_consent_event (member_id, channel, kind, granted, source, actor) VALUES ($1, $2, 'set', $3, $4, $5)
                """, [.int(live), .text(channel.rawValue), .bool(granted), .text(source), .text(actor)])
            return (live, try Self.answer(row), true)
        }
    }

    /// The live member's answers in `ConsentChannel` order, and with `history` its latest changes first.
    public func get(member: Int64, history: Bool) async throws -> (member: Int64, answers: [Answer], history: [Event]?) {
        try await pool.withConnection { c in
            let live = try MemberMerger.liveMember(c, member)
            let answers = try c.queryPrepared(
                "SELECT \(Self.answerColumns) FROM marketing_consent WHERE member_id = $1", [.int(live)]
            ).map(Self.answer)
            let ordered = ConsentChannel.words.compactMap { word in answers.first { $0.channel == word } }
            guard history else { return (live, ordered, nil) }
            let events = try c.queryPrepared(
                """
                SELECT channel, kind, granted, source, crm_rfc3339(at), actor, merge_id FROM marketing_consent_event
                WHERE member_id = $1 ORDER BY id DESC LIMIT $2
                """, [.int(live), .int(Int64(Self.maxHistory))]
            ).map { row in
                Event(
                    channel: try row.decode(at: 0), kind: try row.decode(at: 1), granted: try row.decode(at: 2), source: try row.decode(at: 3),
                    at: try row.decode(at: 4), actor: try row.decode(at: 5), mergeID: try row.decode(at: 6))
            }
            return (live, ordered, events)
        }
    }
}
