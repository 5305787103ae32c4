import CRMDomain
import CRMJSON
import CRMPostgres

/// One merge as `MemberMerger.moveAccounts` makes it: `merged` into `survivor` (the older), with what
/// its merge record and history say.
struct AccountMove {
    let merged: Int64
    let survivor: Int64
    let rule: String
    let score: Double?
    let evidence: JSONObject
    let actor: String
    let reason: String?
    /// The match model that decided a `fuzzy` merge; its evidence then shows in the history too.
    let modelVersion: Int64?
}

extension MemberMerger {
    /// The part of a merge that is the same for every member, for several merges at once as if made in
    /// order, in one statement: the members locked (NO KEY UPDATE, in id order: rows that merely
    /// reference them, such as lots and history, do not block it), each merged member's snapshot taken,
    /// its accounts moved to its survivor, the member marked as merged into it, its purchases (segments'
    /// `member_purchase`) moved with it, the merge record written,
    /// open reviews between the two settled (others of the merged member now concern the survivor),
    /// history on both sides and the merged member's tags moved (where the survivor already holds a tag
    /// from the same source, its own stays). Returns each move's merge record and the accounts it moved,
    /// in order. Under the identity lock a push makes thousands of merges: a merge was a dozen round
    /// trips each, and the lock's holder spent most of its time waiting on them. Each merged member
    /// merges once, into a member that no move merges away.
    func moveAccounts(_ moves: [AccountMove]) throws -> [(record: Int64, accounts: [Int64])] {
        guard !moves.isEmpty else { return [] }
        let merged = moves.map(\.merged), survivors = moves.map(\.survivor)
        precondition(zip(survivors, merged).allSatisfy { $0 < $1 }, "the older member survives")
        precondition(Set(merged).count == merged.count && Set(merged).isDisjoint(with: survivors), "each member merges once, into a member that stays")
        // What both history lines of a move say; the statement adds the record's id and each side's own part.
        let details = moves.map { move in
            var detail: JSONObject = [
                "rule": .string(move.rule), "score": move.score.map { .double($0) } ?? .null, "reason": move.reason.map { .string($0) } ?? .null,
            ]
            if move.modelVersion != nil { detail["evidence"] = .object(move.evidence) }
            return JSONSerializer.canonicalObject(detail)
        }
        let rows = try c.queryPrepared(
            """
            WITH t AS MATERIALIZED (
                SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[])
                WITH ORDINALITY AS t(merged, survivor, rule, score, evidence, actor, reason, model, detail, n)),
            live AS MATERIALIZED (
                SELECT id FROM member WHERE id IN (SELECT merged FROM t UNION SELECT survivor FROM t) AND merged_into IS NULL ORDER BY id FOR NO KEY UPDATE),
            snap AS MATERIALIZED (
                SELECT t.n, to_jsonb(m) - 'merged_into' AS snapshot FROM t JOIN member m ON m.id = t.merged
                WHERE (SELECT count(*) FROM live) = (SELECT count(*) FROM (SELECT merged FROM t UNION SELECT survivor FROM t) x)),
            moved AS (UPDATE account a SET member_id = t.survivor, updated_at = now() FROM t WHERE a.member_id = t.merged RETURNING t.n, a.id),
            marked AS (UPDATE member m SET merged_into = t.survivor, updated_at = now() FROM t JOIN snap s USING (n) WHERE m.id = t.merged),
            purchases_moved AS (UPDATE member_purchase p SET member_id = t.survivor FROM t JOIN snap s USING (n) WHERE p.member_id = t.merged),
            rec AS (INSERT INTO merge_record (survivor_id, merged_id, account_ids, snapshot, rule, score, evidence, actor, reason, model_version)
                    SELECT t.survivor, t.merged, ARRAY(SELECT mv.id FROM moved mv WHERE mv.n = t.n ORDER BY mv.id), s.snapshot, t.rule,
                           t.score::double precision, t.evidence::jsonb, t.actor, t.reason, t.model
                    FROM t JOIN snap s USING (n) ORDER BY t.n
                    RETURNING id, merged_id, account_ids),
            settled AS (UPDATE review_item r SET status = 'obsolete', decided_at = now(), decided_by = t.actor, decision_reason = 'merged'
                        FROM t WHERE r.status = 'open' AND r.member_a = t.survivor AND r.member_b = t.merged),
            history AS (INSERT INTO member_history (member_id, action, actor, detail)
                        SELECT h.member, h.action, t.actor, h.detail FROM t JOIN rec ON rec.merged_id = t.merged CROSS JOIN LATERAL (VALUES
                            (1, t.survivor, 'merged', t.detail::jsonb || jsonb_build_object('merge_id', rec.id, 'merged', t.merged, 'accounts', to_jsonb(rec.account_ids))),
                            (2, t.merged, 'merged_into', t.detail::jsonb || jsonb_build_object('merge_id', rec.id, 'survivor', t.survivor))
                        ) AS h(k, member, action, detail) ORDER BY t.n, h.k),
            tag_moves AS (SELECT t.merged, t.survivor, t.n FROM t JOIN snap USING (n)),
            \(MemberTagTransfer.movingTags)
            SELECT rec.id, array_to_string(rec.account_ids, ',') FROM rec JOIN t ON t.merged = rec.merged_id ORDER BY t.n
            """,
            [
                .intArray(merged), .intArray(survivors), .textArray(moves.map(\.rule)), .textArray(moves.map { $0.score.map { String($0) } }),
                .textArray(moves.map { JSONSerializer.canonicalObject($0.evidence) }), .textArray(moves.map(\.actor)),
                .textArray(moves.map(\.reason)), .intArray(moves.map(\.modelVersion)), .textArray(details),
            ])
        precondition(rows.count == moves.count, "merge of members that are not all live: \(merged) into \(survivors)")
        return try rows.map { row in
            (try row.decode(at: 0), try row.decode(String.self, at: 1).split(separator: ",").map { Int64($0)! })
        }
    }
}
