import CRMDomain
import CRMProtocol
import CRMStorage

/// Segments: `segment.save|get|list|delete|preview|export|tag`.
enum SegmentMethods {
    static let defaultExportPage = 1_000

    /// Parses a filter with the RFM bands in force; errors name the bad part by JSON path.
    static func filter(_ value: JSONValue?, path: String, context: ServerContext) async throws -> SegmentFilter {
        guard let value, !value.isNull else { throw RPCError.invalidParams("\(path) is required", field: path, reason: "missing_field") }
        do {
            return try SegmentFilterParser.parse(value, path: path, rfm: try await context.segmentSettings().rfm)
        } catch let e as SegmentFilterError {
            throw RPCError.invalidParams(e.message, field: e.path, reason: ErrorReason(rawValue: e.reason))
        }
    }

    static func segmentName(_ p: Params) throws(RPCError) -> String {
        let name = try p.string("name", maxLength: 100).trimmingWhitespace()
        guard !name.isEmpty else { throw .invalidParams("name must not be empty", field: p.field("name"), reason: "bad_name") }
        return name
    }

    static func asOf(_ p: Params) throws(RPCError) -> String? {
        guard let text = try p.optionalString("as_of", maxLength: 40) else { return nil }
        guard CivilTime.seconds(rfc3339: text) != nil else {
            throw .invalidParams("as_of must be an RFC 3339 timestamp with an offset", field: p.field("as_of"), reason: "bad_timestamp")
        }
        return text
    }

    static func render(_ s: SegmentRecord) -> JSONValue {
        ["name": .string(s.name), "description": s.description.map(JSONValue.string) ?? .null, "filter": s.filter,
         "created_at": .string(s.createdAt), "created_by": .string(s.createdBy), "updated_at": .string(s.updatedAt)]
    }

    /// A member as an export row; personal data masked for analysts.
    static func exportRow(_ m: MemberRecord, masked: Bool, ladder: LevelLadder) -> JSONValue {
        func personal(_ value: String?, _ mask: (String) -> String) -> JSONValue {
            guard let value else { return .null }
            return .string(masked ? mask(value) : value)
        }
        return ["member_id": .string(String(m.id)), "name": personal(m.name, Masking.name), "phone": personal(m.phone, Masking.phone),
                "email": personal(m.email, Masking.email), "gender": m.gender.map(JSONValue.string) ?? .null,
                "region": m.region.map(JSONValue.string) ?? .null, "address": personal(m.address, Masking.address),
                "level": .string(ladder.levels[ladder.rank(of: m.levelCode)].code), "points": .int(m.pointsBalance),
                "tags": .array(m.tags.map(JSONValue.string)), "created_at": .string(m.createdAt)]
    }

    /// A masked role's own filter may not test the address: counts and samples of keyword after
    /// keyword would spell out the address its mask hides. Saved segments (written by roles that see
    /// addresses) still run for them.
    static func refuseAddressProbe(_ f: SegmentFilter, _ call: CallContext) throws(RPCError) {
        guard MemberMethods.isMasked(call) else { return }
        for condition in f.conditions {
            if case .address = condition {
                throw .forbidden("the \(call.session?.identity.role.rawValue ?? "") role may not filter on the address in its own filters; preview a saved segment instead",
                                 reason: "masked_filter")
            }
        }
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec("segment.save", access: .write) { call in
                let p = call.params
                try p.allowOnly(["name", "description", "filter"])
                let name = try segmentName(p)
                _ = try await filter(p.object["filter"], path: "filter", context: context)
                let s = try await context.segments.save(name: name, description: try p.optionalString("description", maxLength: 500),
                                                        filter: p.object["filter"]!, actor: call.actor)
                context.logger.notice("segment saved", metadata: ["request": "\(call.requestID)", "segment": "\(name)"])
                return ["segment": render(s)]
            },
            MethodSpec("segment.get", access: .read) { call in
                try call.params.allowOnly(["name"])
                return ["segment": render(try await context.segments.get(name: try segmentName(call.params)))]
            },
            MethodSpec("segment.list", access: .read) { call in
                try call.params.allowOnly(["cursor", "limit"])
                let paging = try Paging(call.params)
                let found = try await context.segments.list(afterName: paging.afterKey, limit: paging.fetchLimit)
                let page = paging.page(found, key: \.name, render: render)
                return ["segments": page.items, "next_cursor": page.next]
            },
            MethodSpec("segment.delete", access: .write) { call in
                try call.params.allowOnly(["name"])
                let name = try segmentName(call.params)
                try await context.segments.delete(name: name, actor: call.actor)
                return ["deleted": .string(name)]
            },
            MethodSpec("segment.preview", access: .read) { call in
                let p = call.params
                try p.allowOnly(["name", "filter", "sample", "as_of", "explain"])
                guard p.has("name") != p.has("filter") else {
                    throw RPCError.invalidParams("give a saved segment's name or a filter", reason: "one_lookup")
                }
                let f: SegmentFilter
                if p.has("name") {
                    f = try await filter(try await context.segments.get(name: try segmentName(p)).filter, path: "segment.filter", context: context)
                } else {
                    f = try await filter(p.object["filter"], path: "filter", context: context)
                    try refuseAddressProbe(f, call)
                }
                let sample = Int(try p.optionalInt("sample", in: 0...Int64(SegmentStore.maxSample)) ?? 10)
                let m = try await context.measureContext(asOf: try asOf(p))
                if try p.optionalBool("explain") == true {
                    guard call.session?.identity.role == .admin else {
                        throw RPCError.forbidden("only an admin may ask for a statement's plan", reason: "role_forbidden")
                    }
                    return ["plan": .string(try await context.segments.explain(f, context: m.value))]
                }
                let r = try await context.segments.preview(f, context: m.value, sample: sample)
                let masked = MemberMethods.isMasked(call)
                return ["count": .int(r.count), "as_of": .string(r.asOf), "sample": .array(r.sample.map { MemberMethods.render($0, masked: masked, ladder: m.ladder) })]
            },
            MethodSpec("segment.export", access: .read) { call in
                let p = call.params
                try p.allowOnly(["name", "cursor", "limit", "as_of"])
                let limit = Int(try p.optionalInt("limit", in: 1...Int64(SegmentStore.maxExportPage)) ?? Int64(defaultExportPage))
                var exportID: Int64
                var after: Int64? = nil
                let m = try await context.measureContext(asOf: try asOf(p))
                if let cursor = try p.optionalString("cursor", maxLength: 1_000) {
                    let parts = PageCursor.decode(cursor)?.split(separator: ":")
                    guard let parts, parts.count == 2, let e = Int64(parts[0]), let a = Int64(parts[1]) else {
                        throw RPCError.invalidParams("cursor is not one this server issued", field: "cursor", reason: "bad_cursor")
                    }
                    (exportID, after) = (e, a)
                } else {
                    let s = try await context.segments.get(name: try segmentName(p))
                    let f = try await filter(s.filter, path: "segment.filter", context: context)
                    exportID = try await context.segments.startExport(segmentID: s.id, filter: f, context: m.value, actor: call.actor).exportID
                    context.logger.info("segment export started", metadata: ["request": "\(call.requestID)", "segment": "\(s.name)", "export": "\(exportID)"])
                }
                let page = try await context.segments.exportPage(exportID: exportID, afterMember: after, limit: limit + 1)
                let shown = Array(page.members.prefix(limit))
                let masked = MemberMethods.isMasked(call)
                let next: JSONValue = page.members.count > limit ? .string(PageCursor.encode("\(exportID):\(shown.last!.id)")) : .null
                return ["export_id": .int(exportID), "total": .int(page.total), "members": .array(shown.map { exportRow($0, masked: masked, ladder: m.ladder) }),
                        "next_cursor": next]
            },
            MethodSpec("segment.tag", access: .write) { call in
                let p = call.params
                try p.allowOnly(["name", "tag", "as_of"])
                let s = try await context.segments.get(name: try segmentName(p))
                let f = try await filter(s.filter, path: "segment.filter", context: context)
                let m = try await context.measureContext(asOf: try asOf(p))
                let r = try await context.segments.tagMembers(segmentID: s.id, filter: f, tag: try TagMethods.tagName(p, "tag"), context: m.value, actor: call.actor)
                context.logger.notice("segment tagged", metadata: ["request": "\(call.requestID)", "segment": "\(s.name)", "added": "\(r.added)"])
                return ["segment": .string(s.name), "members": .int(r.members), "added": .int(r.added)]
            },
        ]
    }
}
