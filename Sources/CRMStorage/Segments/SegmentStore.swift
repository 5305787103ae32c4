import CRMDomain
import CRMJSON
import CRMPostgres

/// A saved segment.
public struct SegmentRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var description: String?
    public var filter: JSONValue
    public var createdAt: String
    public var createdBy: String
    public var updatedAt: String
}

/// One page of a segment export.
public struct ExportPage: Sendable {
    public var exportID: Int64
    public var total: Int64
    public var members: [MemberRecord]
}

/// Saved segments, their previews (count and sample), exports page by page from a snapshot taken
/// at the first page, and bulk tagging of their members.
public struct SegmentStore: Sendable {
    let pool: PostgresPool
    let codec: PersonalDataCodec
    /// Largest export page.
    public static let maxExportPage = 5_000
    /// Largest preview sample.
    public static let maxSample = 100
    /// Export snapshots are kept this long.
    static let snapshotHours = 24

    public init(pool: PostgresPool, codec: PersonalDataCodec) {
        self.pool = pool
        self.codec = codec
    }

    /// Saves a segment under a name (replacing the filter and description of an existing one).
    public func save(name: String, description: String?, filter: JSONValue, actor: String) async throws -> SegmentRecord {
        try await pool.withTransaction { c in
            let text = JSONSerializer.serialize(filter)
            try c.query(
                """
                INSERT INTO segment (name, description, filter, created_by, updated_by) VALUES ($1, $2, $3::jsonb, $4, $4)
                ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description, filter = EXCLUDED.filter, updated_by = EXCLUDED.updated_by, updated_at = now()
                """, [.text(name), .optional(description), .text(text), .text(actor)])
            try AuditLog.record(c, tokenID: TagStore.tokenID(actor), action: "segment.save", subject: "segment:\(name)", detail: ["filter": text])
            return try Self.segments(c, name: name).first!
        }
    }

    static func segments(_ c: PostgresConnection, name: String?, afterName: String? = nil, limit: Int = 1_000) throws -> [SegmentRecord] {
        try c.query(
            """
            SELECT id, name, description, filter::text, crm_rfc3339(created_at), created_by, crm_rfc3339(updated_at)
            FROM segment WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR name > $2) ORDER BY name LIMIT $3
            """, [.optional(name), .optional(afterName), .int(Int64(limit))]
        ).map {
            SegmentRecord(
                id: try $0.decode(at: 0), name: try $0.decode(at: 1), description: try $0.decode(at: 2),
                filter: try JSONParser.parse(try $0.decode(String.self, at: 3)), createdAt: try $0.decode(at: 4),
                createdBy: try $0.decode(at: 5), updatedAt: try $0.decode(at: 6))
        }
    }

    public func get(name: String) async throws -> SegmentRecord {
        try await pool.withConnection { c in
            guard let s = try Self.segments(c, name: name).first else {
                throw StorageError.notFound(reason: .segmentNotFound, message: "no segment named \(name)")
            }
            return s
        }
    }

    public func list(afterName: String?, limit: Int) async throws -> [SegmentRecord] {
        try await pool.withConnection { c in try Self.segments(c, name: nil, afterName: afterName, limit: limit) }
    }

    public func delete(name: String, actor: String) async throws {
        try await pool.withTransaction { c in
            guard let row = try c.query("DELETE FROM segment WHERE name = $1 RETURNING id", [.text(name)]).single else {
                throw StorageError.notFound(reason: .segmentNotFound, message: "no segment named \(name)")
            }
            let id: Int64 = try row.decode(at: 0)
            try c.query("DELETE FROM segment_export_member WHERE export_id IN (SELECT id FROM segment_export WHERE segment_id = $1)", [.int(id)])
            try AuditLog.record(c, tokenID: TagStore.tokenID(actor), action: "segment.delete", subject: "segment:\(name)", detail: [:])
        }
    }

    /// How many live members match, and the first `sample` of them by id.
    public func preview(_ filter: SegmentFilter, context: MeasureContext, sample: Int) async throws -> (count: Int64, sample: [MemberRecord], asOf: String) {
        precondition(sample >= 0 && sample <= Self.maxSample, "sample out of range")
        let codec = self.codec
        return try await pool.withTransaction { c in
            try MeasureContext.prepare(c)
            let resolved = try context.resolve(c)
            let q = try SegmentCompiler.compile(filter, context: resolved.compiler, asOf: resolved.asOf, on: c)
            let n = q.params.count + 1
            let row = try c.query(
                """
                WITH seg AS MATERIALIZED (\(q.sql))
                SELECT (SELECT count(*) FROM seg), array_to_string(ARRAY(SELECT id FROM seg ORDER BY id LIMIT $\(n)), ',')
                """, q.params + [.int(Int64(sample))]
            ).single!
            let ids = try row.decode(String.self, at: 1).split(separator: ",").compactMap { Int64($0) }
            return (try row.decode(at: 0), try MemberStore.loadMany(c, ids, codec: codec, withTags: true), resolved.asOf)
        }
    }

    /// The plan of a filter's statement, executed (`EXPLAIN ANALYZE`): for tuning segments and the benchmark.
    public func explain(_ filter: SegmentFilter, context: MeasureContext) async throws -> String {
        try await pool.withTransaction { c in
            try MeasureContext.prepare(c)
            let resolved = try context.resolve(c)
            let q = try SegmentCompiler.compile(filter, context: resolved.compiler, asOf: resolved.asOf, on: c)
            return try c.query("EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM (\(q.sql)) seg", q.params)
                .map { try $0.decode(String.self, at: 0) }.joined(separator: "\n")
        }
    }

    /// Takes the snapshot of a segment's members for an export; returns its id and size.
    public func startExport(segmentID: Int64, filter: SegmentFilter, context: MeasureContext, actor: String) async throws -> (exportID: Int64, total: Int64) {
        try await pool.withTransaction { c in
            try c.query(
                """
                WITH old AS (DELETE FROM segment_export WHERE created_at < now() - $1::int * interval '1 hour' RETURNING id)
                DELETE FROM segment_export_member WHERE export_id IN (SELECT id FROM old)
                """, [.int(Int64(Self.snapshotHours))])
            try MeasureContext.prepare(c)
            let resolved = try context.resolve(c)
            let exportID: Int64 = try c.query(
                "INSERT INTO segment_export (segment_id, total, actor) VALUES ($1, 0, $2) RETURNING id",
                [.int(segmentID), .text(actor)]
            ).single!.decode(at: 0)
            let q = try SegmentCompiler.compile(filter, context: resolved.compiler, asOf: resolved.asOf, on: c)
            let total = try c.query(
                """
                WITH ins AS (INSERT INTO segment_export_member (export_id, member_id) SELECT $\(q.params.count + 1)::bigint, id FROM (\(q.sql)) seg RETURNING 1)
                SELECT count(*) FROM ins
                """, q.params + [.int(exportID)]
            ).single!.decode(Int64.self, at: 0)
            try c.query("UPDATE segment_export SET total = $2 WHERE id = $1", [.int(exportID), .int(total)])
            return (exportID, total)
        }
    }

    /// A page of an export's snapshot: members after `afterMember`, by id.
    public func exportPage(exportID: Int64, afterMember: Int64?, limit: Int) async throws -> ExportPage {
        precondition(limit > 0 && limit <= Self.maxExportPage + 1, "page size out of range")
        let codec = self.codec
        return try await pool.withConnection { c in
            guard let e = try c.query("SELECT total FROM segment_export WHERE id = $1", [.int(exportID)]).single else {
                throw StorageError.notFound(reason: .exportNotFound, message: "export \(exportID) is over or never existed: start again")
            }
            let ids = try c.query(
                """
                SELECT member_id FROM segment_export_member WHERE export_id = $1 AND member_id > $2 ORDER BY member_id LIMIT $3
                """, [.int(exportID), .int(afterMember ?? 0), .int(Int64(limit))]
            ).map { try $0.decode(Int64.self, at: 0) }
            return ExportPage(exportID: exportID, total: try e.decode(at: 0), members: try MemberStore.loadMany(c, ids, codec: codec, withTags: true))
        }
    }

    /// Puts a tag (source `segment`) on every member of the segment now; returns how many got it newly and the segment's size.
    public func tagMembers(
        segmentID: Int64, filter: SegmentFilter, tag: String, context: MeasureContext, actor: String
    ) async throws -> (added: Int64, members: Int64) {
        try await pool.withTransaction { c in
            try c.lockIdentityShared()
            let tagID = try TagStore.tagID(c, tag)
            try MeasureContext.prepare(c)
            let resolved = try context.resolve(c)
            let q = try SegmentCompiler.compile(filter, context: resolved.compiler, asOf: resolved.asOf, on: c)
            let n = q.params.count
            let row = try c.query(
                """
                WITH seg AS MATERIALIZED (\(q.sql)),
                ins AS (INSERT INTO member_tag (member_id, tag_id, source, segment_id, actor)
                        SELECT id, $\(n + 1)::bigint, 'segment', $\(n + 2)::bigint, $\(n + 3) FROM seg
                        ON CONFLICT (member_id, tag_id, source, COALESCE(account_id, 0)) DO NOTHING RETURNING 1)
                SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM seg)
                """, q.params + [.int(tagID), .int(segmentID), .text(actor)]
            ).single!
            let added: Int64 = try row.decode(at: 0)
            try AuditLog.record(
                c, tokenID: TagStore.tokenID(actor), action: "segment.tag", subject: "segment:\(segmentID)",
                detail: ["tag": tag, "added": String(added)])
            return (added, try row.decode(at: 1))
        }
    }
}
