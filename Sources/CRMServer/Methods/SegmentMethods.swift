import CRMDomain
import CRMProtocol
import CRMStorage

/// Segments: `segment.save|get|list|delete|preview|export|tag`.
enum SegmentMethods {
    typealias Segment = RPC.Segment
    static let defaultExportPage = 1_000

    /// Parses a filter with the RFM bands in force; errors name the bad part by JSON path.
    static func filter(_ value: JSONValue, path: String, context: ServerContext) async throws -> SegmentFilter {
        do {
            return try SegmentFilterParser.parse(value, path: path, rfm: try await context.segmentSettings().rfm)
        } catch let e as SegmentFilterError {
            throw RPCError.invalidParams(e.message, field: e.path, reason: e.reason)
        }
    }

    /// The trimmed segment name; refused when empty.
    static func segmentName(_ text: String) throws(RPCError) -> String {
        let name = text.trimmingWhitespace()
        guard !name.isEmpty else { throw .invalidParams("name must not be empty", field: "name", reason: .badName) }
        return name
    }

    static func render(_ s: SegmentRecord) -> Segment.Saved {
        Segment.Saved(name: s.name, description: s.description, filter: s.filter, createdAt: s.createdAt, createdBy: s.createdBy, updatedAt: s.updatedAt)
    }

    /// A member as an export row; personal data masked for analysts.
    static func exportRow(_ m: MemberRecord, masked: Bool, ladder: LevelLadder) -> Segment.Export.Row {
        func personal(_ value: String?, _ mask: (String) -> String) -> String? {
            value.map { masked ? mask($0) : $0 }
        }
        return Segment.Export.Row(
            memberID: MemberID(m.id), name: personal(m.name, Masking.name), phone: personal(m.phone, Masking.phone),
            email: personal(m.email, Masking.email), gender: m.gender, region: m.region, address: personal(m.address, Masking.address),
            level: ladder.levels[ladder.rank(of: m.levelCode)].code, points: m.pointsBalance, tags: m.tags, createdAt: m.createdAt)
    }

    /// A masked role's own filter may not test what its mask hides (`SegmentCondition.testsMaskedData`):
    /// counts and samples of keyword after keyword would spell out the address, month after month
    /// and day after day the birthday (an age band too, moved along `as_of`). What it sees — the
    /// e-mail's domain, gender, region — it may filter on. Saved segments (written by roles that
    /// see everything) still run for them.
    static func refuseAddressProbe(_ f: SegmentFilter, _ call: CallContext) throws(RPCError) {
        guard MemberMethods.isMasked(call) else { return }
        for condition in f.conditions where condition.testsMaskedData {
            let what = if case .address = condition { "the address" } else { "the birthday or age" }
            throw .forbidden(
                "the \(call.session?.identity.role.rawValue ?? "") role may not filter on \(what) in its own filters; preview a saved segment instead",
                reason: .maskedFilter)
        }
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        savedSpecs(context) + memberSpecs(context)
    }

    /// Saving, reading, listing and deleting segments.
    static func savedSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Segment.Save.self, access: .write, scope: .merchantWide) { p, call in
                let name = try segmentName(p.name)
                _ = try await filter(p.filter, path: "filter", context: context)
                let s = try await context.segments.save(name: name, description: p.description, filter: p.filter, actor: call.actor)
                context.logger.notice("segment saved", metadata: ["request": "\(call.requestID)", "segment": "\(name)"])
                return Segment.One(segment: render(s))
            },
            MethodSpec(Segment.Get.self, access: .read, scope: .merchantWide) { p, call in
                Segment.One(segment: render(try await context.segments.get(name: try segmentName(p.name))))
            },
            MethodSpec(Segment.List.self, access: .read, scope: .merchantWide) { p, call in
                let paging = try Paging(cursor: p.cursor, limit: p.limit)
                let found = try await context.segments.list(afterName: paging.afterKey, limit: paging.fetchLimit)
                let page = paging.page(of: found, key: \.name, map: render)
                return Segment.List.Result(segments: page.items, nextCursor: page.next)
            },
            MethodSpec(Segment.Delete.self, access: .write, scope: .merchantWide) { p, call in
                let name = try segmentName(p.name)
                try await context.segments.delete(name: name, actor: call.actor)
                return Segment.Delete.Result(deleted: name)
            },
        ]
    }

    /// What works on a segment's members: previews, exports and bulk tagging.
    static func memberSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Segment.Preview.self, access: .read, scope: .merchantWide) { p, call in
                try await preview(p, call, context)
            },
            MethodSpec(Segment.Export.self, access: .read, scope: .merchantWide) { p, call in
                try await export(p, call, context)
            },
            MethodSpec(Segment.TagMembers.self, access: .write, scope: .merchantWide) { p, call in
                let s = try await context.segments.get(name: try segmentName(p.name))
                let f = try await filter(s.filter, path: "segment.filter", context: context)
                let m = try await context.measureContext(asOf: p.asOf)
                let tag = try TagMethods.tagName(p.tag, field: "tag")
                let r = try await context.segments.tagMembers(segmentID: s.id, filter: f, tag: tag, context: m.value, actor: call.actor)
                context.logger.notice("segment tagged", metadata: ["request": "\(call.requestID)", "segment": "\(s.name)", "added": "\(r.added)"])
                return Segment.TagMembers.Result(segment: s.name, members: r.members, added: r.added)
            },
        ]
    }

    static func preview(_ p: Segment.Preview.Params, _ call: CallContext, _ context: ServerContext) async throws -> Segment.Preview.Result {
        let f: SegmentFilter
        if let name = p.name {
            f = try await filter(try await context.segments.get(name: try segmentName(name)).filter, path: "segment.filter", context: context)
        } else {
            guard let given = p.filter else { preconditionFailure("Preview.Params.validate lets a name or a filter through") }
            f = try await filter(given, path: "filter", context: context)
            try refuseAddressProbe(f, call)
        }
        let m = try await context.measureContext(asOf: p.asOf)
        if p.explain == true {
            guard call.session?.identity.role == .admin else {
                throw RPCError.forbidden("only an admin may ask for a statement's plan", reason: .roleForbidden)
            }
            return try await context.lagTolerant { Segment.Preview.Result(plan: try await $0.segments.explain(f, context: m.value)) }
        }
        let (r, lag) = try await context.lagTolerantRead { try await $0.segments.preview(f, context: m.value, sample: p.sample ?? 10) }
        let masked = MemberMethods.isMasked(call)
        // Members as member.get shows them (rendered by MemberMethods, the one place that does).
        let sample = r.sample.map { MemberMethods.profile($0, masked: masked, ladder: m.ladder) }
        try await AuditMethods.record(
            call, context: context, method: Segment.Preview.name, fields: AuditMethods.fields(of: r.sample), members: r.sample.map(\.id))
        var result = Segment.Preview.Result(count: r.count, asOf: r.asOf, sample: sample)
        result.replicaLagSeconds = lag
        return result
    }

    static func export(_ p: Segment.Export.Params, _ call: CallContext, _ context: ServerContext) async throws -> Segment.Export.Result {
        let limit = p.limit ?? defaultExportPage
        var exportID: Int64
        var after: Int64? = nil
        let m = try await context.measureContext(asOf: p.asOf)
        if let cursor = p.cursor {
            let parts = PageCursor.decode(cursor)?.split(separator: ":")
            guard let parts, parts.count == 2, let e = Int64(parts[0]), let a = Int64(parts[1]) else {
                throw Paging.badCursor
            }
            (exportID, after) = (e, a)
        } else {
            guard let name = p.name else { throw RPCError.invalidParams("name is required", field: "name", reason: .missingField) }
            let s = try await context.segments.get(name: try segmentName(name))
            let f = try await filter(s.filter, path: "segment.filter", context: context)
            exportID = try await context.segments.startExport(segmentID: s.id, filter: f, context: m.value, actor: call.actor).exportID
            context.logger.info("segment export started", metadata: ["request": "\(call.requestID)", "segment": "\(s.name)", "export": "\(exportID)"])
        }
        let (page, lag) = try await exportPage(exportID: exportID, after: after, limit: limit + 1, context)
        let shown = Array(page.members.prefix(limit))
        let masked = MemberMethods.isMasked(call)
        let next = page.members.count > limit ? PageCursor.encode("\(exportID):\(shown.last!.id)") : nil
        // A row shows no birthday (`exportRow`).
        try await AuditMethods.record(
            call, context: context, method: Segment.Export.name, fields: AuditMethods.fields(of: shown).filter { $0 != "birthday" },
            members: shown.map(\.id))
        var result = Segment.Export.Result(
            exportID: exportID, total: page.total, members: shown.map { exportRow($0, masked: masked, ladder: m.ladder) },
            nextCursor: next)
        result.replicaLagSeconds = lag
        return result
    }

    /// A page of an export's snapshot, read on the replica when there is one. The snapshot is
    /// written on the primary; until it has reached the replica (the first page, usually) the
    /// primary serves the page.
    static func exportPage(exportID: Int64, after: Int64?, limit: Int, _ context: ServerContext) async throws -> (ExportPage, Double?) {
        do {
            return try await context.lagTolerantRead { try await $0.segments.exportPage(exportID: exportID, afterMember: after, limit: limit) }
        } catch StorageError.notFound(reason: .exportNotFound, _) where context.replica != nil {
            return (try await context.segments.exportPage(exportID: exportID, afterMember: after, limit: limit), nil)
        }
    }
}
