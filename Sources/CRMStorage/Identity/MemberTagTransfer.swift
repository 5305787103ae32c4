import CRMPostgres

/// Tags following merges inside the caller's transaction: a merge moves every tag of the merged
/// member to the survivor; an unmerge gives back the tags that came from the restored member's own
/// accounts (their profiles' attributes and their orders' rules). Manual and segment tags stay.
struct MemberTagTransfer {
    let c: PostgresConnection

    /// Several merges at once, as if made in order: `merged[i]`'s tags move to `survivor[i]`; where
    /// the survivor already holds a tag from the same source, the one it held first stays.
    func merge(from merged: [Int64], to survivors: [Int64]) throws {
        precondition(merged.count == survivors.count, "one survivor per merged member")
        guard !merged.isEmpty else { return }
        try c.queryPrepared(
            """
            WITH tag_moves AS MATERIALIZED (SELECT * FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS t(merged, survivor, n)),
            \(Self.movingTags)
            SELECT 1
            """, [.intArray(merged), .intArray(survivors)])
    }

    /// The data-modifying steps of `merge`, for a statement that defines `tag_moves(merged, survivor,
    /// n)` before them (`MemberMerger.moveAccounts` makes one merge's part of its statement).
    static let movingTags = """
        untagged AS (DELETE FROM member_tag g USING tag_moves t WHERE g.member_id = t.merged
                     RETURNING t.n, t.survivor, g.tag_id, g.source, g.account_id, g.rule_id, g.segment_id, g.actor, g.created_at),
        tagged AS (INSERT INTO member_tag (member_id, tag_id, source, account_id, rule_id, segment_id, actor, created_at)
                   SELECT survivor, tag_id, source, account_id, rule_id, segment_id, actor, created_at FROM untagged ORDER BY n
                   ON CONFLICT (member_id, tag_id, source, COALESCE(account_id, 0)) DO NOTHING)
        """

    func unmerge(survivor: Int64, restored: Int64, accounts: [Int64]) throws {
        guard !accounts.isEmpty else { return }
        try c.queryPrepared(
            """
            UPDATE member_tag SET member_id = $2 WHERE member_id = $1 AND account_id = ANY($3::bigint[])
            """, [.int(survivor), .int(restored), .intArray(accounts)])
    }
}
