import CRMDomain
import CRMProtocol
import CRMStorage

/// A member's rights over their personal data: `member.erase` (admins: it cannot be undone) and
/// `member.export` (admins and operators, who serve the member asking for a copy; analysts see
/// personal data masked and cannot). Both are audited (docs/privacy.md).
enum MemberPrivacyMethods {
    typealias Privacy = RPC.MemberPrivacy

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        let eraser = MemberEraser(pool: context.pool)
        let exporter = MemberExporter(pool: context.pool, codec: context.codec)
        return [
            MethodSpec(Privacy.Erase.self, access: .admin, scope: .memberID) { p, call in
                let outcome = try await eraser.erase(
                    memberID: p.memberID.value, reason: p.reason, actor: call.actor, actorTokenID: call.session?.identity.tokenID)
                // Counts only: the log keeps no personal value, and the reason stays in the audit log.
                context.logger.notice(
                    outcome.changed ? "member erased" : "member already erased",
                    metadata: [
                        "request": "\(call.requestID)", "member": "\(outcome.member)", "members": "\(outcome.members)",
                        "accounts": "\(outcome.accounts)", "keys_destroyed": "\(outcome.keys)", "keys_kept": "\(outcome.keysKept)",
                    ])
                return Privacy.Erase.Result(memberID: MemberID(outcome.member), erased: true)
            },
            MethodSpec(Privacy.Export.self, access: .write, scope: .memberID) { p, call in
                let export = try await exporter.export(memberID: p.memberID.value, actorTokenID: call.session?.identity.tokenID)
                try await AuditMethods.record(
                    call, context: context, method: Privacy.Export.name,
                    fields: ["name", "nickname", "phone", "email", "birthday", "address", "platform_ids", "attributes", "raw"],
                    members: [p.memberID.value])
                let ladder = try await context.loyaltyPolicy().ladder
                return document(export, ladder: ladder)
            },
        ]
    }

    static func person(_ f: [String: String]) -> Privacy.Person {
        Privacy.Person(
            name: f["name"], nickname: f["nickname"], phone: f["phone"], email: f["email"], birthday: f["birthday"], gender: f["gender"],
            region: f["region"], address: f["address"])
    }

    static func section(_ s: MemberExport.Section) -> Privacy.Section {
        Privacy.Section(items: s.items, total: s.total, truncated: s.truncated)
    }

    /// The export as the contract writes it.
    static func document(_ e: MemberExport, ladder: LevelLadder) -> Privacy.Document {
        let accounts = e.accounts.map { a in
            Privacy.Account(
                shop: a.shop, channel: a.channel, externalID: a.externalID, person: person(a.fields), platformIDs: a.platformIDs,
                attributes: a.attributes, raw: a.raw, registeredAt: a.registeredAt, createdAt: a.createdAt)
        }
        let consent = e.consent.map { a in RPC.Consent.Answer(channel: a.channel, granted: a.granted, source: a.source, at: a.at, actor: a.actor) }
        return Privacy.Document(
            format: Privacy.exportFormat, memberID: MemberID(e.member), mergedMembers: e.mergedMembers.map { MemberID($0) },
            exportedAt: e.exportedAt, erased: e.erased, person: person(e.person), accounts: accounts, orders: section(e.orders),
            refunds: section(e.refunds), points: Privacy.Points(balance: e.balance, pending: e.pending, entries: section(e.entries)),
            level: MemberMethods.level(ladder.levels[ladder.rank(of: e.levelCode)]), coupons: section(e.coupons),
            referrals: Privacy.Referrals(
                code: e.referralCode, referredBy: e.referredBy.map { MemberID($0) }, referred: section(e.referred), rewards: section(e.rewards)),
            tags: e.tags, consent: Privacy.Consent(channels: consent, history: section(e.consentHistory)), notices: section(e.notices))
    }
}
