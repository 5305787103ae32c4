import CRMDomain
import CRMProtocol
import CRMStorage

/// Tags: `tag.define|list|add|remove|get` and the order rules `tag.rule.add|list|disable|backfill`.
enum TagMethods {
    static func tagName(_ p: Params, _ key: String) throws(RPCError) -> String {
        guard let name = TagName.validated(try p.string(key, maxLength: 100)) else {
            throw .invalidParams("\(key) must be 1 to \(TagName.maxLength) printable characters", field: p.field(key), reason: "bad_name")
        }
        return name
    }

    static func render(_ t: TagRecord) -> JSONValue {
        ["name": .string(t.name), "group": t.group.map(JSONValue.string) ?? .null, "description": t.description.map(JSONValue.string) ?? .null,
         "members": .int(t.members), "created_at": .string(t.createdAt)]
    }

    static func render(_ r: TagRuleRecord) -> JSONValue {
        ["id": .int(r.id), "name": .string(r.name), "tag": .string(r.tag), "match": r.definition, "backfilled_through": .int(r.backfilledThrough),
         "created_at": .string(r.createdAt), "created_by": .string(r.createdBy), "disabled_at": r.disabledAt.map(JSONValue.string) ?? .null]
    }

    static func strings(_ p: Params, _ key: String) throws(RPCError) -> [String] {
        guard let v = p.object[key], !v.isNull else { return [] }
        guard case .array(let items) = v, !items.isEmpty, items.count <= 100 else {
            throw .invalidParams("\(p.field(key)) must be a list of 1 to 100 strings", field: p.field(key), reason: "wrong_type")
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = item.stringValue, !s.isEmpty, s.count <= 100 else {
                throw .invalidParams("a string of 1 to 100 characters", field: "\(p.field(key))[\(i)]", reason: "wrong_type")
            }
            out.append(s)
        }
        return out
    }

    /// Reads a rule's `match` object.
    static func match(_ value: JSONValue?) throws(RPCError) -> TagRuleMatch {
        let p = try Params(value, path: "match")
        try p.allowOnly(["name_contains", "skus", "categories", "min_amount", "channels", "shops", "address_contains", "address_groups"])
        var m = TagRuleMatch()
        m.item = ItemMatch(nameContains: try strings(p, "name_contains"), skus: try strings(p, "skus"), categories: try strings(p, "categories"))
        if let v = p.object["min_amount"], !v.isNull {
            let text: String? = switch v { case .string(let s): s; case .number(let s): s; default: nil }
            guard let text, let fen = Money.parseFen(text) else {
                throw .invalidParams("min_amount is yuan with at most two decimals", field: "match.min_amount", reason: "out_of_range")
            }
            m.minAmountFen = fen
        }
        for (i, name) in try strings(p, "channels").enumerated() {
            guard let c = Channel(rawValue: name) else { throw .invalidParams("a channel is mobile, web or group_buy", field: "match.channels[\(i)]", reason: "bad_channel") }
            m.channels.append(c)
        }
        m.shops = try strings(p, "shops")
        m.addressContains = try strings(p, "address_contains")
        for (i, g) in try strings(p, "address_groups").enumerated() {
            guard let k = AddressKeywords.keywords(of: g) else {
                throw .invalidParams("no address group \(g) (known: \(AddressKeywords.groups.keys.sorted().joined(separator: ", ")))",
                                     field: "match.address_groups[\(i)]", reason: "bad_setting")
            }
            m.addressContains += k
        }
        guard !m.isEmpty else { throw .invalidParams("a rule needs at least one condition", field: "match", reason: "missing_field") }
        return m
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec("tag.define", access: .write) { call in
                let p = call.params
                try p.allowOnly(["name", "group", "description"])
                let group = try p.optionalString("group", maxLength: 64).map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
                let t = try await context.tags.define(name: try tagName(p, "name"), group: group,
                                                       description: try p.optionalString("description", maxLength: 500), actor: call.actor)
                return ["tag": render(t)]
            },
            MethodSpec("tag.list", access: .read) { call in
                try call.params.allowOnly(["group", "cursor", "limit"])
                let paging = try Paging(call.params)
                let tags = try await context.tags.list(group: try call.params.optionalString("group", maxLength: 64), afterName: paging.afterKey,
                                                       limit: paging.fetchLimit)
                let page = paging.page(tags, key: \.name, render: render)
                return ["tags": page.items, "next_cursor": page.next]
            },
            MethodSpec("tag.add", access: .write) { call in
                try call.params.allowOnly(["member_id", "tag"])
                let r = try await context.tags.add(member: try MemberMethods.requiredMemberID(call.params, "member_id"), tag: try tagName(call.params, "tag"),
                                                   actor: call.actor)
                return ["member_id": .string(String(r.member)), "added": .bool(r.added)]
            },
            MethodSpec("tag.remove", access: .write) { call in
                try call.params.allowOnly(["member_id", "tag", "source"])
                let source = try call.params.optionalString("source", maxLength: 20)
                if let source, !["manual", "attribute", "segment", "rule"].contains(source) {
                    throw RPCError.invalidParams("source is manual, attribute, segment or rule", field: "source", reason: "bad_source")
                }
                let r = try await context.tags.remove(member: try MemberMethods.requiredMemberID(call.params, "member_id"),
                                                      tag: try tagName(call.params, "tag"), source: source, actor: call.actor)
                return ["member_id": .string(String(r.member)), "removed": .int(r.removed)]
            },
            MethodSpec("tag.get", access: .read) { call in
                try call.params.allowOnly(["member_id"])
                let r = try await context.tags.memberTags(try MemberMethods.requiredMemberID(call.params, "member_id"))
                return ["member_id": .string(String(r.member)), "tags": .array(r.tags.map { t in
                    ["name": .string(t.name), "group": t.group.map(JSONValue.string) ?? .null, "sources": .array(t.sources.map { s in
                        var o: JSONObject = ["source": .string(s.source), "actor": .string(s.actor), "at": .string(s.at)]
                        if let a = s.accountID { o["account_id"] = .int(a) }
                        if let r = s.rule { o["rule"] = .string(r) }
                        if let g = s.segment { o["segment"] = .string(g) }
                        return .object(o)
                    })]
                })]
            },
            MethodSpec("tag.rule.add", access: .write) { call in
                let p = call.params
                try p.allowOnly(["name", "tag", "match"])
                let name = try p.string("name", maxLength: 100)
                guard !name.isEmpty else { throw RPCError.invalidParams("name must not be empty", field: "name", reason: "missing_field") }
                let m = try match(p.object["match"])
                let rule = try await context.tags.addRule(name: name, tag: try tagName(p, "tag"), match: m,
                                                          definition: JSONSerializer.serialize(p.object["match"] ?? [:]), actor: call.actor)
                context.logger.notice("tag rule added", metadata: ["request": "\(call.requestID)", "rule": "\(name)"])
                return ["rule": render(rule)]
            },
            MethodSpec("tag.rule.list", access: .read) { call in
                try call.params.allowOnly(["include_disabled"])
                return ["rules": .array(try await context.tags.rules(includeDisabled: try call.params.optionalBool("include_disabled") ?? false).map(render))]
            },
            MethodSpec("tag.rule.disable", access: .write) { call in
                try call.params.allowOnly(["name"])
                let name = try call.params.string("name", maxLength: 100)
                let id = try await context.tags.disableRule(name: name, actor: call.actor)
                return ["rule": ["id": .int(id), "name": .string(name)]]
            },
            MethodSpec("tag.rule.backfill", access: .write) { call in
                try call.params.allowOnly(["name", "limit"])
                let b = try await context.tags.backfill(rule: try call.params.string("name", maxLength: 100),
                                                        limit: Int(try call.params.optionalInt("limit", in: 1...100_000) ?? 10_000), actor: call.actor)
                return ["orders": .int(b.orders), "tagged": .int(b.tagged), "through": .int(b.through), "last_order": .int(b.lastOrder), "done": .bool(b.done)]
            },
        ]
    }
}
