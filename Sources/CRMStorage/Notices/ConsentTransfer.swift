import CRMPostgres

/// Marketing consent following merges, inside the caller's transaction. A merge lets the survivor
/// keep its own answer for each channel; the merged member's answers fill the channels the
/// survivor has none for, marked with whose they were (`origin_member_id`). The merged member's
/// own rows stay as they were, so an unmerge gives them back by taking from the survivor the
/// answers that came from the restored member (or from members merged into it earlier). An
/// answer the survivor set itself after the merge is its own and stays.
struct ConsentTransfer {
    let c: PostgresConnection

    func merge(from merged: Int64, to survivor: Int64, mergeID: Int64, actor: String) throws {
        try c.queryPrepared(
            """
            WITH filled AS (
                INSERT INTO marketing_consent (member_id, channel, granted, source, at, actor, origin_member_id)
                SELECT $2, channel, granted, source, at, actor, COALESCE(origin_member_id, $1) FROM marketing_consent WHERE member_id = $1
                ORDER BY channel
                ON CONFLICT (member_id, channel) DO NOTHING
                RETURNING channel, granted, source)
            INSERT INTO marketing_consent_event (member_id, channel, kind, granted, source, actor, merge_id)
            SELECT $2, channel, 'merge_fill', granted, source, $4, $3 FROM filled ORDER BY channel
            """, [.int(merged), .int(survivor), .int(mergeID), .text(actor)])
    }

    func unmerge(survivor: Int64, restored: Int64, mergeID: Int64, actor: String) throws {
        try c.queryPrepared(
            """
            WITH taken AS (
                DELETE FROM marketing_consent s
                WHERE s.member_id = $1 AND s.origin_member_id IS NOT NULL
                  AND (s.origin_member_id = $2
                       OR s.origin_member_id IN (SELECT origin_member_id FROM marketing_consent WHERE member_id = $2 AND origin_member_id IS NOT NULL))
                RETURNING channel, granted, source)
            INSERT INTO marketing_consent_event (member_id, channel, kind, granted, source, actor, merge_id)
            SELECT $1, channel, 'unmerge_take', granted, source, $4, $3 FROM taken ORDER BY channel
            """, [.int(survivor), .int(restored), .int(mergeID), .text(actor)])
    }
}
