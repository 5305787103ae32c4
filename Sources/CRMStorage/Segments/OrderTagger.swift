import CRMPostgres

/// Applies the tag rules in force to paid orders inside the caller's transaction, in one
/// set-based statement: each matching (member, tag, account) gets one `rule` tag. Used right after
/// the points of new orders are earned, and by the back-fill of a rule over past orders. Text is
/// compared with Chinese scripts folded: the rule's keywords were folded when it was stored
/// (`TagStore.addRule`), orders' items when they were written. Members' addresses are sealed: a
/// rule's address keywords are compared as segments compare them, through their n-gram hashes
/// among the member's `address_grams` (`SegmentCompiler.addressKeywords`).
struct OrderTagger {
    let c: PostgresConnection
    let codec: PersonalDataCodec

    /// Tags the members of `orderIDs` by every active rule (or only `ruleID`); returns the tags added.
    @discardableResult
    func apply(orderIDs: [Int64], ruleID: Int64? = nil, actor: String) throws -> Int {
        guard !orderIDs.isEmpty else { return 0 }
        let keywords = try addressKeywords(ruleID: ruleID)
        return try c.queryPrepared(
            """
            INSERT INTO member_tag (member_id, tag_id, source, account_id, rule_id, actor)
            SELECT DISTINCT ON (a.member_id, r.tag_id, o.account_id) a.member_id, r.tag_id, 'rule', o.account_id, r.id, $3
            FROM shop_order o
            JOIN account a ON a.id = o.account_id
            JOIN shop sh ON sh.id = o.shop_id
            JOIN member m ON m.id = a.member_id
            JOIN tag_rule r ON r.disabled_at IS NULL AND ($2::bigint IS NULL OR r.id = $2)
            WHERE o.id = ANY($1::bigint[]) AND o.refunded_fen < o.amount_fen
              AND (r.min_amount_fen IS NULL OR o.amount_fen >= r.min_amount_fen)
              AND (r.channels IS NULL OR o.channel = ANY(r.channels))
              AND (r.shops IS NULL OR sh.code = ANY(r.shops))
              AND (r.address_contains IS NULL OR EXISTS (SELECT 1 FROM unnest($4::bigint[], $5::text[]) k(rule, grams)
                                                         WHERE k.rule = r.id AND m.address_grams @> k.grams::bigint[]))
              AND ((r.name_contains IS NULL AND r.skus IS NULL AND r.categories IS NULL) OR EXISTS (
                    SELECT 1 FROM jsonb_array_elements(COALESCE(o.items_fold, o.items)) i(e)
                    WHERE (r.name_contains IS NULL OR EXISTS (SELECT 1 FROM unnest(r.name_contains) k(w) WHERE strpos(i.e->>'name', k.w) > 0))
                      AND (r.skus IS NULL OR i.e->>'sku' = ANY(r.skus))
                      AND (r.categories IS NULL OR i.e->>'category' = ANY(r.categories))))
            ORDER BY a.member_id, r.tag_id, o.account_id, r.id
            ON CONFLICT (member_id, tag_id, source, COALESCE(account_id, 0)) DO NOTHING
            RETURNING 1
            """, [.intArray(orderIDs), .optional(ruleID), .text(actor), .intArray(keywords.map(\.rule)), .textArray(keywords.map(\.grams))]
        ).count
    }

    /// Each address keyword of the active rules (or of `ruleID`) with its n-gram hashes, as a `bigint[]` literal.
    private func addressKeywords(ruleID: Int64?) throws -> [(rule: Int64, grams: String)] {
        try c.queryPrepared(
            """
            SELECT r.id, k.w FROM tag_rule r CROSS JOIN LATERAL unnest(r.address_contains) k(w)
            WHERE r.disabled_at IS NULL AND ($1::bigint IS NULL OR r.id = $1)
            """, [.optional(ruleID)]
        ).map { row in
            (try row.decode(at: 0), SegmentCompiler.bigintArray(codec.keywordGrams(try row.decode(at: 1))))
        }
    }
}
