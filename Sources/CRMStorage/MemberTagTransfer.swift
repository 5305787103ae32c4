import CRMPostgres

/// Tags following merges inside the caller's transaction: a merge moves every tag of the merged
/// member to the survivor; an unmerge gives back the tags that came from the restored member's own
/// accounts (their profiles' attributes and their orders' rules). Manual and segment tags stay.
struct MemberTagTransfer {
    let c: PostgresConnection

    func merge(from merged: Int64, to survivor: Int64) throws {
        try c.queryPrepared("""
            WITH moved AS (DELETE FROM member_tag WHERE member_id = $1
                           RETURNING tag_id, source, account_id, rule_id, segment_id, actor, created_at)
            INSERT INTO member_tag (member_id, tag_id, source, account_id, rule_id, segment_id, actor, created_at)
            SELECT $2, tag_id, source, account_id, rule_id, segment_id, actor, created_at FROM moved
            ON CONFLICT (member_id, tag_id, source, COALESCE(account_id, 0)) DO NOTHING
            """, [.int(merged), .int(survivor)])
    }

    func unmerge(survivor: Int64, restored: Int64, accounts: [Int64]) throws {
        guard !accounts.isEmpty else { return }
        try c.queryPrepared("""
            UPDATE member_tag SET member_id = $2 WHERE member_id = $1 AND account_id = ANY($3::bigint[])
            """, [.int(survivor), .int(restored), .intArray(accounts)])
    }
}
