import CRMDomain
import CRMJSON
import CRMPostgres
import CRMText

/// A tag definition, with how many live members carry it.
public struct TagRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var group: String?
    public var description: String?
    public var members: Int64
    public var createdAt: String
}

/// A tag on a member, with every source that put it there.
public struct MemberTagRecord: Sendable, Equatable {
    /// One source of a tag: `manual`, `attribute`, `segment` or `rule`.
    public struct Source: Sendable, Equatable {
        public var source: String
        public var accountID: Int64?
        public var rule: String?
        public var segment: String?
        public var actor: String
        public var at: String
    }
    public var name: String
    public var group: String?
    public var sources: [Source]
}

/// A tag rule as stored.
public struct TagRuleRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var tag: String
    public var definition: JSONValue
    public var backfilledThrough: Int64
    public var createdAt: String
    public var createdBy: String
    public var disabledAt: String?
}

/// One batch of a rule's back-fill over past orders.
public struct BackfillBatch: Sendable, Equatable {
    public var orders: Int64
    public var tagged: Int64
    /// Orders up to this id are done.
    public var through: Int64
    /// The newest order id when the batch ran (progress is `through` of it).
    public var lastOrder: Int64
    public var done: Bool
}

/// Tag definitions, members' tags by hand, and tag rules with their back-fill.
public struct TagStore: Sendable {
    let pool: PostgresPool
    /// Hashes rules' address keywords for the back-fill (`OrderTagger`).
    let codec: PersonalDataCodec

    public init(pool: PostgresPool, codec: PersonalDataCodec) {
        self.pool = pool
        self.codec = codec
    }

    /// Creates a tag, or changes the group and description of an existing one.
    public func define(name: String, group: String?, description: String?, actor: String) async throws -> TagRecord {
        try await pool.withTransaction { c in
            let id: Int64 = try c.query(
                """
                INSERT INTO tag (name, tag_group, description, created_by) VALUES ($1, $2, $3, $4)
                ON CONFLICT (name) DO UPDATE SET tag_group = EXCLUDED.tag_group, description = EXCLUDED.description RETURNING id
                """, [.text(name), .optional(group), .optional(description), .text(actor)]
            ).single!.decode(at: 0)
            try AuditLog.record(
                c, tokenID: Self.tokenID(actor), action: "tag.define", subject: "tag:\(name)",
                detail: ["group": group ?? "", "description": description ?? ""])
            return try Self.tags(c, ids: [id]).first!
        }
    }

    static func tokenID(_ actor: String) -> Int64? { actor.hasPrefix("token:") ? Int64(actor.dropFirst(6)) : nil }

    static func tags(_ c: PostgresConnection, ids: [Int64]?, group: String? = nil, afterName: String? = nil, limit: Int = 1_000) throws -> [TagRecord] {
        try c.query(
            """
            SELECT t.id, t.name, t.tag_group, t.description, crm_rfc3339(t.created_at),
                   (SELECT count(DISTINCT mt.member_id) FROM member_tag mt WHERE mt.tag_id = t.id)
            FROM tag t WHERE ($1::bigint[] IS NULL OR t.id = ANY($1::bigint[])) AND ($2::text IS NULL OR t.tag_group = $2)
              AND ($3::text IS NULL OR t.name > $3) ORDER BY t.name LIMIT $4
            """, [ids.map { .intArray($0) } ?? .null, .optional(group), .optional(afterName), .int(Int64(limit))]
        ).map {
            TagRecord(
                id: try $0.decode(at: 0), name: try $0.decode(at: 1), group: try $0.decode(at: 2), description: try $0.decode(at: 3),
                members: try $0.decode(at: 5), createdAt: try $0.decode(at: 4))
        }
    }

    public func list(group: String?, afterName: String?, limit: Int) async throws -> [TagRecord] {
        try await pool.withConnection { c in try Self.tags(c, ids: nil, group: group, afterName: afterName, limit: limit) }
    }

    static func tagID(_ c: PostgresConnection, _ name: String) throws -> Int64 {
        guard let row = try c.query("SELECT id FROM tag WHERE name = $1", [.text(name)]).single else {
            throw StorageError.notFound(reason: .tagNotFound, message: "no tag named \(name) (a tag is defined before it is used)")
        }
        return try row.decode(at: 0)
    }

    /// Puts a defined tag on a member by hand; returns the live member and whether it was new.
    public func add(member: Int64, tag: String, actor: String) async throws -> (member: Int64, added: Bool) {
        try await pool.withTransaction { c in
            try c.lockIdentityShared()
            let live = try MemberMerger.liveMember(c, member)
            let tagID = try Self.tagID(c, tag)
            let added =
                try c.query(
                    """
                    INSERT INTO member_tag (member_id, tag_id, source, actor) VALUES ($1, $2, 'manual', $3)
                    ON CONFLICT (member_id, tag_id, source, COALESCE(account_id, 0)) DO NOTHING RETURNING 1
                    """, [.int(live), .int(tagID), .text(actor)]
                ).count == 1
            if added {
                try c.query(
                    "INSERT INTO member_history (member_id, action, actor, detail) VALUES ($1, 'tag_added', $2, jsonb_build_object('tag', $3::text))",
                    [.int(live), .text(actor), .text(tag)])
            }
            return (live, added)
        }
    }

    /// Takes a tag off a member: every source of it, or only `source`. Returns the live member and how many sources went.
    public func remove(member: Int64, tag: String, source: String?, actor: String) async throws -> (member: Int64, removed: Int) {
        try await pool.withTransaction { c in
            try c.lockIdentityShared()
            let live = try MemberMerger.liveMember(c, member)
            let tagID = try Self.tagID(c, tag)
            let removed = try c.query(
                "DELETE FROM member_tag WHERE member_id = $1 AND tag_id = $2 AND ($3::text IS NULL OR source = $3) RETURNING 1",
                [.int(live), .int(tagID), .optional(source)]
            ).count
            if removed > 0 {
                try c.query(
                    """
                    INSERT INTO member_history (member_id, action, actor, detail)
                    VALUES ($1, 'tag_removed', $2, jsonb_build_object('tag', $3::text, 'source', $4::text))
                    """, [.int(live), .text(actor), .text(tag), .optional(source)])
            }
            return (live, removed)
        }
    }

    /// A member's tags with their sources, by tag name.
    public func memberTags(_ member: Int64) async throws -> (member: Int64, tags: [MemberTagRecord]) {
        try await pool.withConnection { c in
            let live = try MemberMerger.liveMember(c, member)
            return (live, try Self.memberTags(c, [live])[live] ?? [])
        }
    }

    static func memberTags(_ c: PostgresConnection, _ members: [Int64]) throws -> [Int64: [MemberTagRecord]] {
        var out: [Int64: [MemberTagRecord]] = [:]
        guard !members.isEmpty else { return out }
        for row in try c.query(
            """
            SELECT mt.member_id, t.name, t.tag_group, mt.source, mt.account_id, r.name, s.name, mt.actor, crm_rfc3339(mt.created_at)
            FROM member_tag mt JOIN tag t ON t.id = mt.tag_id LEFT JOIN tag_rule r ON r.id = mt.rule_id LEFT JOIN segment s ON s.id = mt.segment_id
            WHERE mt.member_id = ANY($1::bigint[]) ORDER BY mt.member_id, t.name, mt.id
            """, [.intArray(members)])
        {
            let member: Int64 = try row.decode(at: 0)
            let name: String = try row.decode(at: 1)
            let source = MemberTagRecord.Source(
                source: try row.decode(at: 3), accountID: try row.decode(at: 4), rule: try row.decode(at: 5),
                segment: try row.decode(at: 6), actor: try row.decode(at: 7), at: try row.decode(at: 8))
            if var list = out[member], list.last?.name == name {
                list[list.count - 1].sources.append(source)
                out[member] = list
            } else {
                out[member, default: []].append(MemberTagRecord(name: name, group: try row.decode(at: 2), sources: [source]))
            }
        }
        return out
    }

    // MARK: rules

    /// Adds a rule for a defined tag (a new rule under an active rule's name replaces it).
    public func addRule(name: String, tag: String, match: TagRuleMatch, definition: String, actor: String) async throws -> TagRuleRecord {
        try await pool.withTransaction { c in
            let tagID = try Self.tagID(c, tag)
            try c.query("UPDATE tag_rule SET disabled_at = now(), disabled_by = $2 WHERE name = $1 AND disabled_at IS NULL", [.text(name), .text(actor)])
            func list(_ xs: [String]) -> PostgresValue { xs.isEmpty ? .null : .textArray(xs) }
            // Merchant words are matched with Chinese scripts folded, as the orders' text and members'
            // addresses are (`ScriptFolder`); `definition` keeps the rule as it was given.
            func words(_ xs: [String]) -> PostgresValue { list(xs.map(ScriptFolder.shared.fold)) }
            let id: Int64 = try c.query(
                """
                INSERT INTO tag_rule (name, tag_id, definition, name_contains, skus, categories, min_amount_fen, channels, shops, address_contains, created_by)
                VALUES ($1, $2, $3::jsonb, $4::text[], $5::text[], $6::text[], $7, $8::text[], $9::text[], $10::text[], $11) RETURNING id
                """,
                [
                    .text(name), .int(tagID), .text(definition), words(match.item.nameContains), words(match.item.skus), words(match.item.categories),
                    .optional(match.minAmountFen), list(match.channels.map(\.rawValue)), list(match.shops), words(match.addressContains),
                    .text(actor),
                ]
            ).single!.decode(at: 0)
            try AuditLog.record(c, tokenID: Self.tokenID(actor), action: "tag.rule.add", subject: "tag_rule:\(name)", detail: ["definition": definition])
            return try Self.rules(c, includeDisabled: true, id: id).first!
        }
    }

    static func rules(_ c: PostgresConnection, includeDisabled: Bool, id: Int64? = nil) throws -> [TagRuleRecord] {
        try c.query(
            """
            SELECT r.id, r.name, t.name, r.definition::text, r.backfilled_through, crm_rfc3339(r.created_at), r.created_by, crm_rfc3339(r.disabled_at)
            FROM tag_rule r JOIN tag t ON t.id = r.tag_id
            WHERE ($1 OR r.disabled_at IS NULL) AND ($2::bigint IS NULL OR r.id = $2) ORDER BY r.name, r.id
            """, [.bool(includeDisabled), .optional(id)]
        ).map {
            TagRuleRecord(
                id: try $0.decode(at: 0), name: try $0.decode(at: 1), tag: try $0.decode(at: 2),
                definition: try JSONParser.parse(try $0.decode(String.self, at: 3)), backfilledThrough: try $0.decode(at: 4),
                createdAt: try $0.decode(at: 5), createdBy: try $0.decode(at: 6), disabledAt: try $0.decode(at: 7))
        }
    }

    public func rules(includeDisabled: Bool) async throws -> [TagRuleRecord] {
        try await pool.withConnection { c in try Self.rules(c, includeDisabled: includeDisabled) }
    }

    public func disableRule(name: String, actor: String) async throws -> Int64 {
        try await pool.withTransaction { c in
            guard
                let row = try c.query(
                    "UPDATE tag_rule SET disabled_at = now(), disabled_by = $2 WHERE name = $1 AND disabled_at IS NULL RETURNING id",
                    [.text(name), .text(actor)]
                ).single
            else {
                throw StorageError.notFound(reason: .ruleNotFound, message: "no active tag rule named \(name)")
            }
            try AuditLog.record(c, tokenID: Self.tokenID(actor), action: "tag.rule.disable", subject: "tag_rule:\(name)", detail: [:])
            return try row.decode(at: 0)
        }
    }

    /// Matches the next `limit` past orders (after the rule's progress) against an active rule, in
    /// one transaction, and records the progress: call again until `done`. Resumable at any point.
    public func backfill(rule name: String, limit: Int, actor: String) async throws -> BackfillBatch {
        precondition(limit > 0, "a batch has orders")
        let codec = self.codec
        return try await pool.withTransaction { c in
            try c.lockIdentityShared()
            guard
                let rule = try c.query(
                    "SELECT id, backfilled_through FROM tag_rule WHERE name = $1 AND disabled_at IS NULL FOR UPDATE",
                    [.text(name)]
                ).single
            else {
                throw StorageError.notFound(reason: .ruleNotFound, message: "no active tag rule named \(name)")
            }
            let ruleID: Int64 = try rule.decode(at: 0)
            let from: Int64 = try rule.decode(at: 1)
            let last: Int64 = try c.query("SELECT COALESCE(max(id), 0) FROM shop_order").single!.decode(at: 0)
            let ids = try c.query("SELECT id FROM shop_order WHERE id > $1 ORDER BY id LIMIT $2", [.int(from), .int(Int64(limit))])
                .map { try $0.decode(Int64.self, at: 0) }
            let tagged = try OrderTagger(c: c, codec: codec).apply(orderIDs: ids, ruleID: ruleID, actor: actor)
            let through = ids.last ?? from
            try c.query("UPDATE tag_rule SET backfilled_through = $2 WHERE id = $1", [.int(ruleID), .int(through)])
            return BackfillBatch(orders: Int64(ids.count), tagged: Int64(tagged), through: through, lastOrder: last, done: ids.count < limit)
        }
    }
}
