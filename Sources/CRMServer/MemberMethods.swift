import CRMDomain
import CRMProtocol
import CRMStorage

/// Members and identity decisions: `member.get|find|merge|unmerge|history`, `review.list|decide`.
enum MemberMethods {
    /// Reads a member id given as a string of digits (the contract) or a number.
    static func memberID(_ p: Params, _ key: String) throws(RPCError) -> Int64? {
        switch p.object[key] {
        case nil, .null?: return nil
        case .string(let s)?:
            guard let id = Int64(s), id > 0 else { throw .invalidParams("\(key) is not a member id", field: p.field(key), reason: "bad_member_id") }
            return id
        case .number?:
            return try p.optionalInt(key, in: 1...Int64.max)
        case let other?:
            throw .invalidParams("\(key) must be a string, not \(other.typeName)", field: p.field(key), reason: "wrong_type")
        }
    }

    static func requiredMemberID(_ p: Params, _ key: String) throws(RPCError) -> Int64 {
        guard let id = try memberID(p, key) else { throw .invalidParams("\(key) is required", field: p.field(key), reason: "missing_field") }
        return id
    }

    static func render(_ m: MemberRecord, masked: Bool, ladder: LevelLadder) -> JSONValue {
        func personal(_ value: String?, _ mask: (String) -> String) -> JSONValue {
            guard let value else { return .null }
            return .string(masked ? mask(value) : value)
        }
        var o: JSONObject = [
            "member_id": .string(String(m.id)),
            "name": personal(m.name, Masking.name),
            "nickname": m.nickname.map(JSONValue.string) ?? .null,
            "phone": personal(m.phone, Masking.phone),
            "email": personal(m.email, Masking.email),
            "birthday": personal(m.birthday, Masking.birthday),
            "gender": m.gender.map(JSONValue.string) ?? .null,
            "region": m.region.map(JSONValue.string) ?? .null,
            "address": personal(m.address, Masking.address),
            "level": levelJSON(ladder.levels[ladder.rank(of: m.levelCode)]),
            "points": ["balance": .int(m.pointsBalance), "pending": .int(m.pointsPending)],
            "accounts": .array(m.accounts.map { ["shop": .string($0.shop), "channel": .string($0.channel), "external_id": .string($0.externalID)] }),
            "tags": .array(m.tags.map(JSONValue.string)),
            "referral": ["code": m.referralCode.map(JSONValue.string) ?? .null, "referred_by": m.referredBy.map { .string(String($0)) } ?? .null],
            "created_at": .string(m.createdAt),
            "registered_at": m.registeredAt.map(JSONValue.string) ?? .null,
        ]
        if let from = m.mergedFrom { o["merged_from"] = .string(String(from)) }
        return .object(o)
    }

    static func levelJSON(_ level: LevelLadder.Level) -> JSONValue { ["code": .string(level.code), "name": .string(level.name)] }

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

    /// A guard's key value as a masked role sees it: phones and e-mails as everywhere, platform ids
    /// (`wechat_unionid` …) cut to their first three characters.
    static func maskedKeyValue(kind: String, _ value: String) -> String {
        switch kind {
        case "phone": return Masking.phone(value)
        case "email": return Masking.email(value)
        default: return Masking.platformID(value)
        }
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec("member.get", access: .read) { call in
                let p = call.params
                try p.allowOnly(["member_id", "shop", "channel", "external_id", "phone", "email"])
                var lookups: [MemberLookup] = []
                if let id = try memberID(p, "member_id") { lookups.append(.id(id)) }
                if p.has("shop") || p.has("channel") || p.has("external_id") {
                    let channelText = try p.string("channel", maxLength: 20)
                    guard let channel = Channel(rawValue: channelText) else {
                        throw RPCError.invalidParams("channel must be mobile, web or group_buy", field: "channel", reason: "bad_channel")
                    }
                    lookups.append(.account(shop: try p.string("shop", maxLength: ShopCode.maxLength), channel: channel,
                                            externalID: try p.string("external_id", maxLength: 128)))
                }
                if let phone = try p.optionalString("phone", maxLength: 40) {
                    guard let n = PhoneNumber.normalize(phone) else { throw RPCError.invalidParams("not a phone number", field: "phone", reason: "bad_phone") }
                    lookups.append(.phone(n))
                }
                if let email = try p.optionalString("email", maxLength: 254) {
                    guard let n = EmailAddress.normalize(email) else { throw RPCError.invalidParams("not an e-mail address", field: "email", reason: "bad_email") }
                    lookups.append(.email(n))
                }
                guard lookups.count == 1 else {
                    throw RPCError.invalidParams("give exactly one of member_id, shop+channel+external_id, phone, email", reason: "one_lookup")
                }
                let member = try await MaskedLookup.run(call, context: context, action: "member.get", kind: lookupKind(lookups[0]), members: { [$0.id] }) {
                    try await context.members.get(lookups[0])
                }
                return render(member, masked: isMasked(call), ladder: try await context.loyaltyPolicy().ladder)
            },
            MethodSpec("member.find", access: .read) { call in
                try call.params.allowOnly(["query", "cursor", "limit"])
                let query = try call.params.string("query", maxLength: 100).trimmingWhitespace()
                guard query.count >= 1 else { throw RPCError.invalidParams("query must not be empty", field: "query", reason: "missing_field") }
                let paging = try Paging(call.params)
                let after = try paging.afterKey.map { key throws(RPCError) -> Int64 in
                    guard let id = Int64(key) else { throw RPCError.invalidParams("cursor is not one this server issued", field: "cursor", reason: "bad_cursor") }
                    return id
                }
                let masked = isMasked(call)
                let kind = PhoneNumber.normalize(query) != nil ? "phone" : EmailAddress.normalize(query) != nil ? "email" : "name"
                let found = try await MaskedLookup.run(call, context: context, action: "member.find", kind: kind, members: { $0.map(\.id) }) {
                    try await context.members.find(query: query, wholeValuesOnly: masked, afterID: after, limit: paging.fetchLimit)
                }
                let ladder = try await context.loyaltyPolicy().ladder
                let page = paging.page(found, key: { String($0.id) }, render: { render($0, masked: masked, ladder: ladder) })
                return ["members": page.items, "next_cursor": page.next]
            },
            MethodSpec("member.merge", access: .write) { call in
                try call.params.allowOnly(["member_id", "other_member_id", "reason"])
                let a = try requiredMemberID(call.params, "member_id")
                let b = try requiredMemberID(call.params, "other_member_id")
                let reason = try call.params.string("reason", maxLength: 500)
                let result = try await context.members.merge(a, b, policy: try await context.identityPolicy(),
                                                         loyalty: try await context.loyaltyPolicy(), actor: call.actor, reason: reason)
                context.logger.notice("members merged by hand", metadata: ["request": "\(call.requestID)", "survivor": "\(result.survivor)", "merge": "\(result.mergeID)"])
                return ["member_id": .string(String(result.survivor)), "merge_id": .int(result.mergeID)]
            },
            MethodSpec("member.unmerge", access: .write) { call in
                try call.params.allowOnly(["merge_id", "member_id", "reason"])
                let mergeID = try call.params.optionalInt("merge_id", in: 1...Int64.max)
                let member = try memberID(call.params, "member_id")
                guard (mergeID == nil) != (member == nil) else {
                    throw RPCError.invalidParams("give merge_id, or member_id of the member that was merged away", reason: "one_lookup")
                }
                let reason = try call.params.string("reason", maxLength: 500)
                let r = try await context.members.unmerge(mergeID: mergeID, mergedMember: member, policy: try await context.identityPolicy(),
                                                           loyalty: try await context.loyaltyPolicy(), actor: call.actor, reason: reason)
                context.logger.notice("merge undone", metadata: ["request": "\(call.requestID)", "merge": "\(r.mergeID)"])
                return ["merge_id": .int(r.mergeID), "member_id": .string(String(r.survivor)), "restored_member_id": .string(String(r.restored))]
            },
            MethodSpec("member.history", access: .read) { call in
                try call.params.allowOnly(["member_id", "cursor", "limit"])
                let id = try requiredMemberID(call.params, "member_id")
                let paging = try Paging(call.params)
                let after = paging.afterKey.flatMap { Int64($0) }
                let (live, entries) = try await context.members.history(memberID: id, afterID: after, limit: paging.fetchLimit)
                let page = paging.page(entries, key: { String($0.id) }) { e in
                    ["at": .string(e.at), "action": .string(e.action), "actor": .string(e.actor),
                     "detail": e.detail]
                }
                return ["member_id": .string(String(live)), "entries": page.items, "next_cursor": page.next]
            },
            MethodSpec("review.list", access: .read) { call in
                try call.params.allowOnly(["type", "status", "cursor", "limit"])
                let type = try call.params.optionalString("type", maxLength: 10) ?? "match"
                guard ["match", "guard"].contains(type) else { throw RPCError.invalidParams("type must be match or guard", field: "type", reason: "bad_type") }
                let status = try call.params.optionalString("status", maxLength: 20) ?? "open"
                guard ["open", "merged", "separated", "obsolete"].contains(status) else {
                    throw RPCError.invalidParams("status must be open, merged, separated or obsolete", field: "status", reason: "bad_status")
                }
                let paging = try Paging(call.params)
                let items = try await context.members.reviews(type: type, status: status, afterID: paging.afterKey.flatMap { Int64($0) }, limit: paging.fetchLimit)
                let masked = isMasked(call)
                let page = paging.page(items, key: { String($0.id) }) { r in
                    var detail = r.detail
                    // A guard names the key value it is about: personal data, masked for analysts like any other.
                    if masked, case .object(var g) = detail, let kind = g["kind"]?.stringValue, let value = g["value"]?.stringValue {
                        g["value"] = .string(maskedKeyValue(kind: kind, value))
                        detail = .object(g)
                    }
                    var o: JSONObject = ["id": .int(r.id), "type": .string(r.type), "status": .string(r.status), "created_at": .string(r.createdAt)]
                    if let a = r.memberA { o["member_ids"] = [.string(String(a)), .string(String(r.memberB!))] }
                    if let s = r.score { o["score"] = .double(s) }
                    o[r.type == "guard" ? "guard" : "evidence"] = detail
                    return .object(o)
                }
                return ["items": page.items, "next_cursor": page.next]
            },
            MethodSpec("review.decide", access: .write) { call in
                try call.params.allowOnly(["id", "decision", "reason"])
                let id = try call.params.int("id", in: 1...Int64.max)
                let decision = try call.params.string("decision", maxLength: 10)
                guard ["merge", "separate"].contains(decision) else {
                    throw RPCError.invalidParams("decision must be merge or separate", field: "decision", reason: "bad_decision")
                }
                let reason = try call.params.optionalString("reason", maxLength: 500)
                let r = try await context.members.decide(reviewID: id, merge: decision == "merge", policy: try await context.identityPolicy(),
                                                      loyalty: try await context.loyaltyPolicy(), actor: call.actor, reason: reason)
                var o: JSONObject = ["id": .int(id), "status": .string(r.status)]
                if let s = r.survivor { o["member_id"] = .string(String(s)) }
                return .object(o)
            },
        ]
    }
}
