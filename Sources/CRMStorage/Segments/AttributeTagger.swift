import CRMPostgres

/// Keeps the `attribute` tags of accounts in step with the profile attributes their channel last
/// pushed (given by the caller: the stored attributes are sealed), inside the caller's transaction, in one statement: the mappings of setting `tags`
/// (attribute, optional value → tag) and attributes holding tag names (`list_attributes`, default
/// `tags`: a list, or text separated by commas). Tags named this way are created when missing (group
/// `屬性`); attribute tags an account no longer has are removed.
struct AttributeTagger {
    let c: PostgresConnection

    /// `attributes[i]` is the JSON object of attributes `accounts[i]` was just given.
    func apply(accounts: [Int64], attributes: [String], actor: String) throws {
        precondition(accounts.count == attributes.count, "one attributes object per account")
        guard !accounts.isEmpty else { return }
        try c.queryPrepared(
            """
            WITH cfg AS (SELECT value FROM setting WHERE name = 'tags'),
            maps AS (SELECT x.attribute, x.value, x.tag FROM cfg CROSS JOIN LATERAL
                         jsonb_to_recordset(CASE WHEN jsonb_typeof(cfg.value->'mappings') = 'array' THEN cfg.value->'mappings' ELSE '[]' END)
                         AS x(attribute text, value text, tag text)),
            lists AS (SELECT COALESCE((SELECT array_agg(n) FROM cfg CROSS JOIN LATERAL jsonb_array_elements_text(
                         CASE WHEN jsonb_typeof(cfg.value->'list_attributes') = 'array' THEN cfg.value->'list_attributes' ELSE '[]' END) n),
                         CASE WHEN EXISTS (SELECT 1 FROM cfg WHERE cfg.value ? 'list_attributes') THEN ARRAY[]::text[] ELSE ARRAY['tags'] END) AS names),
            acc AS (SELECT a.id, a.member_id, t.attrs::jsonb AS attributes FROM unnest($1::bigint[], $3::text[]) AS t(id, attrs)
                    JOIN account a ON a.id = t.id),
            wanted AS (
                SELECT acc.id, acc.member_id, maps.tag AS name FROM acc JOIN maps
                    ON COALESCE(acc.attributes->>maps.attribute, '') <> '' AND (maps.value IS NULL OR acc.attributes->>maps.attribute = maps.value)
                UNION
                SELECT acc.id, acc.member_id, btrim(t.v) FROM acc CROSS JOIN lists CROSS JOIN LATERAL unnest(lists.names) ln(n)
                CROSS JOIN LATERAL (SELECT jsonb_array_elements_text(acc.attributes->ln.n) WHERE jsonb_typeof(acc.attributes->ln.n) = 'array'
                                    UNION ALL
                                    SELECT regexp_split_to_table(acc.attributes->>ln.n, '[,，、;；]') WHERE jsonb_typeof(acc.attributes->ln.n) = 'string') t(v)),
            clean AS (SELECT DISTINCT id, member_id, name FROM wanted WHERE length(name) BETWEEN 1 AND 64),
            tags AS (INSERT INTO tag (name, tag_group, created_by) SELECT DISTINCT name, '屬性', $2 FROM clean
                     ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id, name),
            gone AS (DELETE FROM member_tag mt USING tag t
                     WHERE t.id = mt.tag_id AND mt.source = 'attribute' AND mt.account_id = ANY($1::bigint[])
                       AND NOT EXISTS (SELECT 1 FROM clean c WHERE c.id = mt.account_id AND c.name = t.name))
            INSERT INTO member_tag (member_id, tag_id, source, account_id, actor)
            SELECT c.member_id, t.id, 'attribute', c.id, $2 FROM clean c JOIN tags t ON t.name = c.name
            ON CONFLICT (member_id, tag_id, source, COALESCE(account_id, 0)) DO NOTHING
            """, [.intArray(accounts), .text(actor), .textArray(attributes)])
    }
}
