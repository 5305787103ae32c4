import CRMDomain
import CRMProtocol
import CRMStorage

/// Tags: `tag.define|list|add|remove|get` and the order rules `tag.rule.add|list|disable|backfill`.
enum TagMethods {
    typealias Tag = RPC.Tag

    /// The trimmed tag name; refused unless 1 to 64 printable characters.
    static func tagName(_ text: String, field: String) throws(RPCError) -> String {
        guard let name = TagName.validated(text) else {
            throw .invalidParams("\(field) must be 1 to \(TagName.maxLength) printable characters", field: field, reason: .badName)
        }
        return name
    }

    static func render(_ t: TagRecord) -> Tag.Definition {
        Tag.Definition(name: t.name, group: t.group, description: t.description, members: t.members, createdAt: t.createdAt)
    }

    static func render(_ r: TagRuleRecord) -> Tag.Rule {
        Tag.Rule(
            id: r.id, name: r.name, tag: r.tag, match: r.definition, backfilledThrough: r.backfilledThrough, createdAt: r.createdAt,
            createdBy: r.createdBy, disabledAt: r.disabledAt)
    }

    static func render(_ t: MemberTagRecord) -> Tag.Get.MemberTag {
        Tag.Get.MemberTag(
            name: t.name, group: t.group,
            sources: t.sources.map { s in
                Tag.Get.Origin(source: s.source, actor: s.actor, at: s.at, accountID: s.accountID, rule: s.rule, segment: s.segment)
            })
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        tagSpecs(context) + ruleSpecs(context)
    }

    /// Definitions and members' tags.
    static func tagSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Tag.Define.self, access: .write, scope: .merchantWide) { p, call in
                let name = try tagName(p.name, field: "name")
                let group = p.group.map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
                let t = try await context.tags.define(name: name, group: group, description: p.description, actor: call.actor)
                return Tag.Define.Result(tag: render(t))
            },
            MethodSpec(Tag.List.self, access: .read, scope: .merchantWide) { p, call in
                let paging = try Paging(cursor: p.cursor, limit: p.limit)
                let tags = try await context.tags.list(group: p.group, afterName: paging.afterKey, limit: paging.fetchLimit)
                let page = paging.page(of: tags, key: \.name, map: render)
                return Tag.List.Result(tags: page.items, nextCursor: page.next)
            },
            MethodSpec(Tag.Add.self, access: .write, scope: .memberID) { p, call in
                let r = try await context.tags.add(member: p.memberID.value, tag: try tagName(p.tag, field: "tag"), actor: call.actor)
                return Tag.Add.Result(memberID: MemberID(r.member), added: r.added)
            },
            MethodSpec(Tag.Remove.self, access: .write, scope: .memberID) { p, call in
                let r = try await context.tags.remove(member: p.memberID.value, tag: try tagName(p.tag, field: "tag"), source: p.source, actor: call.actor)
                return Tag.Remove.Result(memberID: MemberID(r.member), removed: Int64(r.removed))
            },
            MethodSpec(Tag.Get.self, access: .read, scope: .memberID) { p, call in
                let r = try await context.tags.memberTags(p.memberID.value)
                return Tag.Get.Result(memberID: MemberID(r.member), tags: r.tags.map(render))
            },
        ]
    }

    /// Rules that tag the members of paid orders.
    static func ruleSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Tag.RuleAdd.self, access: .write, scope: .merchantWide) { p, call in
                let m = try TagRuleMatchJSON.parse(p.match)
                let rule = try await context.tags.addRule(
                    name: p.name, tag: try tagName(p.tag, field: "tag"), match: m,
                    definition: JSONSerializer.serialize(p.match), actor: call.actor)
                context.logger.notice("tag rule added", metadata: ["request": "\(call.requestID)", "rule": "\(p.name)"])
                return Tag.RuleAdd.Result(rule: render(rule))
            },
            MethodSpec(Tag.RuleList.self, access: .read, scope: .merchantWide) { p, call in
                Tag.RuleList.Result(rules: try await context.tags.rules(includeDisabled: p.includeDisabled ?? false).map(render))
            },
            MethodSpec(Tag.RuleDisable.self, access: .write, scope: .merchantWide) { p, call in
                let id = try await context.tags.disableRule(name: p.name, actor: call.actor)
                return Tag.RuleDisable.Result(rule: .init(id: id, name: p.name))
            },
            MethodSpec(Tag.RuleBackfill.self, access: .write, scope: .merchantWide) { p, call in
                let b = try await context.tags.backfill(rule: p.name, limit: p.limit ?? 10_000, actor: call.actor)
                return Tag.RuleBackfill.Result(orders: b.orders, tagged: b.tagged, through: b.through, lastOrder: b.lastOrder, done: b.done)
            },
        ]
    }
}
