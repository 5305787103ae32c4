import CRMDomain
import CRMJSON
import CRMPostgres

extension MemberMerger {
    /// The part of a merge that is the same for every member, in one statement: both members locked
    /// (NO KEY UPDATE: rows that merely reference them, such as lots and history, do not block it), the
    /// merged member's snapshot taken, its accounts moved to the survivor, the member marked as merged
    /// into it, the merge record written, open reviews between the two settled (others of the merged
    /// member now concern the survivor), history on both sides and the merged member's tags moved (where
    /// the survivor already holds a tag from the same source, its own stays). Returns the merge record.
    /// Under the identity lock a push makes thousands of merges, one after another: this was a dozen
    /// round trips each, and the lock's holder spent most of its time waiting on them.
    func moveAccounts(
        from merged: Int64, to survivor: Int64, rule: String, score: Double?, evidence: JSONObject, actor: String, reason: String?,
        modelVersion: Int64?
    ) throws -> Int64 {
        precondition(survivor < merged, "the older member survives")
        // What both history lines say; the statement adds the record's id and each side's own part.
        var detail: JSONObject = [
            "rule": .string(rule), "score": score.map { .double($0) } ?? .null, "reason": reason.map { .string($0) } ?? .null,
        ]
        if modelVersion != nil { detail["evidence"] = .object(evidence) }
        let row = try c.queryPrepared(
            """
            WITH live AS MATERIALIZED (
                SELECT id FROM member WHERE id IN ($1, $2) AND merged_into IS NULL ORDER BY id FOR NO KEY UPDATE),
            snap AS MATERIALIZED (
                SELECT to_jsonb(m) - 'merged_into' AS snapshot FROM member m WHERE m.id = $2 AND (SELECT count(*) FROM live) = 2),
            moved AS (UPDATE account SET member_id = $1, updated_at = now() WHERE member_id = $2 RETURNING id),
            marked AS (UPDATE member SET merged_into = $1, updated_at = now() WHERE id = $2),
            purchases_moved AS (UPDATE member_purchase SET member_id = $1 WHERE member_id = $2),
            rec AS (INSERT INTO merge_record (survivor_id, merged_id, account_ids, snapshot, rule, score, evidence, actor, reason, model_version)
                    SELECT $1, $2, ARRAY(SELECT id FROM moved ORDER BY id), s.snapshot, $3, $4::double precision, $5::jsonb, $6, $7, $8
                    FROM snap s RETURNING id, account_ids),
            settled AS (UPDATE review_item SET status = 'obsolete', decided_at = now(), decided_by = $6, decision_reason = 'merged'
                        WHERE status = 'open' AND member_a = $1 AND member_b = $2),
            history AS (INSERT INTO member_history (member_id, action, actor, detail)
                        SELECT h.member, h.action, $6, h.detail FROM rec CROSS JOIN LATERAL (VALUES
                            (1, $1::bigint, 'merged', $9::jsonb || jsonb_build_object('merge_id', rec.id, 'merged', $2::bigint, 'accounts', to_jsonb(rec.account_ids))),
                            (2, $2::bigint, 'merged_into', $9::jsonb || jsonb_build_object('merge_id', rec.id, 'survivor', $1::bigint))
                        ) AS h(n, member, action, detail) ORDER BY h.n),
            tag_moves AS (SELECT $2::bigint AS merged, $1::bigint AS survivor, 1 AS n),
            \(MemberTagTransfer.movingTags)
            SELECT id FROM rec
            """,
            [
                .int(survivor), .int(merged), .text(rule), score.map { .text(String($0)) } ?? .null,
                .text(JSONSerializer.canonicalObject(evidence)), .text(actor), .optional(reason), modelVersion.map { .int($0) } ?? .null,
                .text(JSONSerializer.canonicalObject(detail)),
            ]
        ).single
        guard let row else { preconditionFailure("merge of members that are not both live: \(survivor), \(merged)") }
        return try row.decode(at: 0)
    }
}
