import CRMDomain
import CRMProtocol
import CRMStorage

/// Members and identity decisions: `member.get|find|merge|unmerge|history`, `review.list|show|decide`.
enum MemberMethods {
    /// A member as results show it, personal fields masked for masked roles.
    static func profile(_ m: MemberRecord, masked: Bool, ladder: LevelLadder) -> RPC.Member.Profile {
        func personal(_ value: String?, _ mask: (String) -> String) -> String? { value.map { masked ? mask($0) : $0 } }
        return RPC.Member.Profile(
            memberID: MemberID(m.id), name: personal(m.name, Masking.name), nickname: m.nickname, phone: personal(m.phone, Masking.phone),
            email: personal(m.email, Masking.email), birthday: personal(m.birthday, Masking.birthday), gender: m.gender, region: m.region,
            address: personal(m.address, Masking.address), level: level(ladder.levels[ladder.rank(of: m.levelCode)]),
            points: .init(balance: m.pointsBalance, pending: m.pointsPending),
            accounts: m.accounts.map { .init(shop: $0.shop, channel: $0.channel, externalID: $0.externalID) }, tags: m.tags,
            referral: .init(code: m.referralCode, referredBy: m.referredBy.map({ MemberID($0) })), createdAt: m.createdAt,
            registeredAt: m.registeredAt, mergedFrom: m.mergedFrom.map({ MemberID($0) }))
    }

    static func level(_ level: LevelLadder.Level) -> RPC.Level.Ref { RPC.Level.Ref(code: level.code, name: level.name) }

    static func isMasked(_ call: CallContext) -> Bool { call.session?.identity.role == .analyst }

    /// What a `member.get` looks up by, for the audit of masked roles' lookups.
    static func lookupKind(_ lookup: MemberLookup) -> String {
        switch lookup {
        case .id: return "member_id"
        case .account: return "account"
        case .phone: return "phone"
        case .email: return "email"
        }
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        lookupSpecs(context) + mergeSpecs(context) + reviewSpecs(context)
    }

    /// The one lookup a `member.get` names, its phone or e-mail normalized.
    static func lookup(_ p: RPC.Member.Get.Params) throws(RPCError) -> MemberLookup {
        var lookups: [MemberLookup] = []
        if let id = p.memberID { lookups.append(.id(id.value)) }
        if let shop = p.shop, let channel = p.channel.flatMap(Channel.init(rawValue:)), let externalID = p.externalID {
            lookups.append(.account(shop: shop, channel: channel, externalID: externalID))
        }
        if let phone = p.phone {
            guard let n = PhoneNumber.normalize(phone) else { throw .invalidParams("not a phone number", field: "phone", reason: .badPhone) }
            lookups.append(.phone(n))
        }
        if let email = p.email {
            guard let n = EmailAddress.normalize(email) else { throw .invalidParams("not an e-mail address", field: "email", reason: .badEmail) }
            lookups.append(.email(n))
        }
        guard lookups.count == 1 else {
            throw .invalidParams("give exactly one of member_id, shop+channel+external_id, phone, email", reason: .oneLookup)
        }
        return lookups[0]
    }

    /// Looking members up: `member.get`, `member.find`.
    static func lookupSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(RPC.Member.Get.self, access: .read, scope: .memberFound) { p, call in
                let lookup = try lookup(p)
                let identity = call.session?.identity
                let member = try await MaskedLookup.run(call, context: context, action: RPC.Member.Get.name, kind: lookupKind(lookup), members: { [$0.id] }) {
                    // The read and its audit row share a statement; a member outside the token's shops is not shown, so not recorded.
                    try await context.members.get(lookup) { m in
                        guard ShopScopeGate.allows(accountShops: m.accounts.map(\.shop), identity: identity) else { return nil }
                        return AuditMethods.entry(identity, method: RPC.Member.Get.name, fields: AuditMethods.fields(of: [m]), members: [m.id])
                    }
                }
                try ShopScopeGate.require(accountShops: member.accounts.map(\.shop), member: member.id, identity: identity)
                return profile(member, masked: isMasked(call), ladder: try await context.loyaltyPolicy().ladder)
            },
            MethodSpec(RPC.Member.Find.self, access: .read, scope: .narrowed) { p, call in
                let query = p.trimmedQuery
                let paging = try Paging(cursor: p.cursor, limit: p.limit)
                let after = try paging.afterID()
                let masked = isMasked(call)
                let kind = PhoneNumber.normalize(query) != nil ? "phone" : EmailAddress.normalize(query) != nil ? "email" : "name"
                let found = try await MaskedLookup.run(call, context: context, action: RPC.Member.Find.name, kind: kind, members: { $0.members.map(\.id) }) {
                    try await context.members.find(query: query, wholeValuesOnly: masked, afterID: after, limit: paging.fetchLimit)
                }
                let ladder = try await context.loyaltyPolicy().ladder
                // A token limited to shops finds only members with an account in them.
                let shops = Set(call.session?.identity.shops ?? [])
                let page = paging.page(
                    of: found.members, key: { String($0.id) }, keep: { m in shops.isEmpty || m.accounts.contains { shops.contains($0.shop) } },
                    map: { $0 })
                try await AuditMethods.record(
                    call, context: context, method: RPC.Member.Find.name, fields: AuditMethods.fields(of: page.items), members: page.items.map(\.id))
                // A search that read its most candidates carries on after the last one it read.
                let next = page.next ?? found.stoppedAfter.map { PageCursor.encode(String($0)) }
                return RPC.Member.Find.Result(members: page.items.map { profile($0, masked: masked, ladder: ladder) }, nextCursor: next)
            },
        ]
    }

    /// Merging, unmerging and a member's history.
    static func mergeSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(RPC.Member.Merge.self, access: .write, scope: .member(["member_id", "other_member_id"])) { p, call in
                let result = try await context.members.merge(
                    p.memberID.value, p.otherMemberID.value, policy: try await context.identityPolicy(),
                    loyalty: try await context.loyaltyPolicy(), actor: call.actor, reason: p.reason)
                context.logger.notice(
                    "members merged by hand", metadata: ["request": "\(call.requestID)", "survivor": "\(result.survivor)", "merge": "\(result.mergeID)"])
                return RPC.Member.Merge.Result(memberID: MemberID(result.survivor), mergeID: result.mergeID)
            },
            MethodSpec(RPC.Member.Unmerge.self, access: .write, scope: .merchantWide) { p, call in
                let r = try await context.members.unmerge(
                    mergeID: p.mergeID, mergedMember: p.memberID?.value, policy: try await context.identityPolicy(),
                    loyalty: try await context.loyaltyPolicy(), actor: call.actor, reason: p.reason)
                context.logger.notice("merge undone", metadata: ["request": "\(call.requestID)", "merge": "\(r.mergeID)"])
                return RPC.Member.Unmerge.Result(mergeID: r.mergeID, memberID: MemberID(r.survivor), restoredMemberID: MemberID(r.restored))
            },
            MethodSpec(RPC.Member.History.self, access: .read, scope: .memberID) { p, call in
                let paging = try Paging(cursor: p.cursor, limit: p.limit)
                // A cursor of this server that is not an id starts from the top, as it always has.
                let after = paging.afterKey.flatMap { Int64($0) }
                let (live, entries) = try await context.members.history(memberID: p.memberID.value, afterID: after, limit: paging.fetchLimit)
                let page = paging.page(of: entries, key: { String($0.id) }) { e in
                    RPC.Member.History.Entry(at: e.at, action: e.action, actor: e.actor, detail: e.detail)
                }
                return RPC.Member.History.Result(memberID: MemberID(live), entries: page.items, nextCursor: page.next)
            },
        ]
    }

    /// A review item as results show it. A guard names the key value it is about masked, for every
    /// role: crmd keeps only its blind index and the masked form (`IdentityKey.masked`).
    static func item(_ r: ReviewRecord, masked: Bool) -> RPC.Review.List.Item {
        let detail = r.detail
        let pair = r.memberA.flatMap { a in r.memberB.map { [MemberID(a), MemberID($0)] } }
        return RPC.Review.List.Item(
            id: r.id, type: r.type, status: r.status, createdAt: r.createdAt, memberIDs: pair, score: r.score,
            guard: r.type == "guard" ? detail : nil, evidence: r.type == "guard" ? nil : detail)
    }

    /// The personal fields review items show: a guard its key value (`phone`, `wechat_unionid` …).
    /// A match shows the comparison level each field reached, never the members' values.
    static func shownFields(_ items: [RPC.Review.List.Item]) -> [String] {
        Set(items.compactMap { $0.guard?.objectValue?["kind"]?.stringValue }).sorted()
    }

    /// The review queue: `review.list`, `review.show`, `review.decide`.
    static func reviewSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(RPC.Review.List.self, access: .read, scope: .merchantWide) { p, call in
                let paging = try Paging(cursor: p.cursor, limit: p.limit)
                let items = try await context.members.reviews(
                    type: p.type ?? "match", status: p.status ?? "open", afterID: paging.afterKey.flatMap { Int64($0) },
                    limit: paging.fetchLimit)
                let masked = isMasked(call)
                let page = paging.page(of: items, key: { String($0.id) }) { item($0, masked: masked) }
                try await AuditMethods.record(
                    call, context: context, method: RPC.Review.List.name, fields: shownFields(page.items),
                    members: page.items.flatMap { ($0.memberIDs ?? []).map(\.value) })
                return RPC.Review.List.Result(items: page.items, nextCursor: page.next)
            },
            // Levels and bits, never values: not a read of personal data, so no access audit row.
            MethodSpec(RPC.Review.Show.self, access: .read, scope: .merchantWide) { p, _ in
                ReviewWaterfall.result(try await context.members.review(id: p.id))
            },
            MethodSpec(RPC.Review.Decide.self, access: .write, scope: .merchantWide) { p, call in
                let r = try await context.members.decide(
                    reviewID: p.id, merge: p.decision == "merge", policy: try await context.identityPolicy(),
                    loyalty: try await context.loyaltyPolicy(), actor: call.actor, reason: p.reason)
                return RPC.Review.Decide.Result(id: p.id, status: r.status, memberID: r.survivor.map { MemberID($0) })
            },
        ]
    }
}
