import CRMPostgres

/// Coupons following merges inside the caller's transaction: a merge moves every coupon of the
/// merged member to the survivor (`merge_move`); an unmerge gives the restored member back the
/// coupons that were issued to it, or to a member merged into it before (`unmerge_move`), whatever
/// their status. Each coupon keeps `origin_member_id`, the member it was issued to.
struct CouponTransfer {
    let c: PostgresConnection

    func merge(from merged: Int64, to survivor: Int64, mergeID: Int64, actor: String) throws {
        try c.queryPrepared(
            """
            WITH moved AS (UPDATE coupon SET member_id = $2 WHERE member_id = $1 RETURNING id)
            INSERT INTO coupon_event (coupon_id, kind, member_id, actor, detail)
            SELECT id, 'merge_move', $2, $4, jsonb_build_object('merge_id', $3::bigint, 'from', $1::bigint) FROM moved ORDER BY id
            """, [.int(merged), .int(survivor), .int(mergeID), .text(actor)])
    }

    func unmerge(survivor: Int64, restored: Int64, mergeID: Int64, actor: String) throws {
        try c.queryPrepared(
            """
            WITH RECURSIVE own(id) AS (
                SELECT $2::bigint
                UNION SELECT m.id FROM member m JOIN own ON m.merged_into = own.id
            ), moved AS (
                UPDATE coupon SET member_id = $2 WHERE member_id = $1 AND origin_member_id IN (SELECT id FROM own) RETURNING id
            )
            INSERT INTO coupon_event (coupon_id, kind, member_id, actor, detail)
            SELECT id, 'unmerge_move', $2, $4, jsonb_build_object('merge_id', $3::bigint, 'from', $1::bigint) FROM moved ORDER BY id
            """, [.int(survivor), .int(restored), .int(mergeID), .text(actor)])
    }
}
