import CRMDomain
import CRMJSON
import CRMPostgres

/// Writes member notices (the outbox a messaging gateway pulls, docs/notices.md) on the caller's
/// connection, inside the transaction of their cause: a rolled-back cause leaves no notice.
struct NoticeOutbox {
    let c: PostgresConnection

    /// One notice to write.
    struct Notice {
        var member: Int64
        var kind: NoticeKind
        var body: JSONObject
        var marketing: Bool
        /// Set for notices written by a job that may run again for the same cause (`kind:date`):
        /// the second write of the same member and dedupe is skipped.
        var dedupe: String?

        init(member: Int64, kind: NoticeKind, body: JSONObject, marketing: Bool? = nil, dedupe: String? = nil) {
            self.member = member
            self.kind = kind
            self.body = body
            self.marketing = marketing ?? kind.marketingByDefault
            self.dedupe = dedupe
        }
    }

    /// Writes the notices in one statement; returns how many were new (deduplicated ones are not).
    @discardableResult
    func write(_ notices: [Notice]) throws -> Int { try written(notices).count }

    /// Writes the notices in one statement; returns the member and id of each new one (deduplicated
    /// ones are left out).
    func written(_ notices: [Notice]) throws -> [(member: Int64, id: Int64)] {
        guard !notices.isEmpty else { return [] }
        return try c.queryPrepared(
            """
            INSERT INTO member_notice (member_id, kind, marketing, body, dedupe)
            SELECT m, k, mk, b::jsonb, d FROM unnest($1::bigint[], $2::text[], $3::bool[], $4::text[], $5::text[]) WITH ORDINALITY AS t(m, k, mk, b, d, n)
            ORDER BY n
            ON CONFLICT (member_id, dedupe) DO NOTHING
            RETURNING member_id, id
            """,
            [
                .intArray(notices.map(\.member)), .textArray(notices.map(\.kind.rawValue)), .textArray(notices.map { $0.marketing ? "t" : "f" }),
                .textArray(notices.map { JSONSerializer.serialize(.object($0.body)) }), .textArray(notices.map(\.dedupe)),
            ]
        ).map { (try $0.decode(Int64.self, at: 0), try $0.decode(Int64.self, at: 1)) }
    }
}
