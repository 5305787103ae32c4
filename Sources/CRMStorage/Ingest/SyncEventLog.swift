import CRMDomain
import CRMPostgres

/// A shop's `sync_event` rows: the first outcome of every event id it pushed, read at the start of
/// a push (so a replay answers `duplicate` with the first outcome forever) and written at its end,
/// one statement each.
enum SyncEventLog {
    /// The recorded first outcomes of the ids among `events`, from their keys; a rejection's error
    /// from its record (one partition, by id). A rejection whose month was archived answers without it.
    static func firstOutcomes(_ c: PostgresConnection, shopID: Int64, of events: [PushedEvent]) throws -> [String: PushOutcomes.First] {
        let ids: [String?] = events.map { event in
            switch event {
            case .valid(let e): return e.id
            case .invalid(let id, _, _, _): return id
            }
        }
        var seen: [String: PushOutcomes.First] = [:]
        for row in try c.queryPrepared(
            """
            SELECT event_id, content_hash, status, member_id, error->>'kind', error->>'reason', error->>'message', error->>'field'
            FROM (SELECT k.event_id, k.content_hash, k.status, k.member_id,
                         CASE WHEN k.status = 'rejected' THEN (SELECT e.error FROM sync_event e WHERE e.id = k.id) END AS error
                  FROM sync_event_key k WHERE k.shop_id = $1 AND k.event_id = ANY($2::text[])) k
            """, [.int(shopID), .textArray(ids.compactMap { $0 })])
        {
            let status = EventOutcome.Status(rawValue: try row.decode(at: 2))!
            var rejection: EventRejection? = nil
            if let kind: String = try row.decode(at: 4) {
                rejection = EventRejection(
                    EventRejection.Kind(rawValue: kind) ?? .invalid, reason: ErrorReason(rawValue: try row.decode(at: 5) ?? "rejected"),
                    message: try row.decode(at: 6) ?? "rejected", field: try row.decode(at: 7))
            }
            let id: String = try row.decode(at: 0)
            seen[id] = PushOutcomes.First(
                hash: try row.decode(at: 1),
                outcome: EventOutcome(eventID: id, status: status, memberID: try row.decode(at: 3), rejection: rejection))
        }
        return seen
    }

    /// Records the first outcome of each event, in one statement; a rejected event sent again with
    /// other content replaces its record (the last outcome in the push, when it came more than once).
    /// The key (`sync_event_key`, one row per shop and event id for good) holds what a replay is
    /// answered with; the record with its id (the month it came in) goes into `sync_event`'s partition.
    /// A replaced rejection's old record is deleted, and the new one gets a new id. `rejectedBefore`
    /// is the ids recorded as rejected when the push began (`firstOutcomes`; the push holds its shop's
    /// lock, so no other push records one meanwhile): only when one of them is recorded again does
    /// the statement look for old records to delete, a second read of every key otherwise.
    static func record(_ c: PostgresConnection, shopID: Int64, _ all: [PushOutcomes.Record], rejectedBefore: Set<String>) throws {
        guard !all.isEmpty else { return }
        var last: [String: Int] = [:]
        for (i, row) in all.enumerated() { last[row.outcome.eventID!] = i }
        let rows = all.indices.filter { last[all[$0].outcome.eventID!] == $0 }.map { all[$0] }
        let replacing = rows.contains { rejectedBefore.contains($0.outcome.eventID!) }
        try c.queryPrepared(
            """
            WITH t AS MATERIALIZED (
                SELECT crm_month_id(nextval('sync_event_id_seq')) AS id, ev, decode(h, 'hex') AS hash, ty, st, m,
                       CASE WHEN k IS NULL THEN NULL ELSE jsonb_build_object('kind', k, 'reason', r, 'message', msg, 'field', f) END AS error
                FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[])
                     AS u(ev, h, ty, st, m, k, r, msg, f)),
            \(replacing ? Self.replaced + "," : "")
            kept AS (
                INSERT INTO sync_event_key AS k (shop_id, event_id, id, content_hash, status, member_id) SELECT $1, ev, id, hash, st, m FROM t
                ON CONFLICT (shop_id, event_id) DO UPDATE
                    SET id = EXCLUDED.id, content_hash = EXCLUDED.content_hash, status = EXCLUDED.status, member_id = EXCLUDED.member_id
                    WHERE k.status = 'rejected'
                RETURNING k.id, k.event_id)\(replacing ? "," : "")
            \(replacing ? Self.gone : "")
            INSERT INTO sync_event (id, shop_id, event_id, content_hash, type, status, member_id, error)
            SELECT t.id, $1, t.ev, t.hash, t.ty, t.st, t.m, t.error FROM t JOIN kept USING (id)
            """,
            [
                .int(shopID), .textArray(rows.map(\.outcome.eventID)), .textArray(rows.map { hex($0.hash) }), .textArray(rows.map(\.type)),
                .textArray(rows.map { $0.outcome.status.rawValue }), .intArray(rows.map(\.outcome.memberID)),
                .textArray(rows.map { $0.outcome.rejection?.kind.rawValue }), .textArray(rows.map { $0.outcome.rejection?.reason.rawValue }),
                .textArray(rows.map { $0.outcome.rejection?.message }), .textArray(rows.map { $0.outcome.rejection?.field }),
            ])
    }

    /// The keys of the push's ids recorded as rejected, with their old records' ids.
    private static let replaced = """
        replaced AS (SELECT k.event_id, k.id FROM sync_event_key k WHERE k.shop_id = $1 AND k.event_id = ANY($2::text[]) AND k.status = 'rejected')
        """

    /// Deletes the old records of the rejections replaced (their keys now name the new records).
    private static let gone = """
        gone AS (DELETE FROM sync_event WHERE id = ANY(ARRAY(SELECT r.id FROM replaced r JOIN kept USING (event_id))))
        """

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
