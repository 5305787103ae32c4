import CRMDomain
import CRMProtocol
import CRMStorage

/// Referrals (老帶新): `referral.link|get|bind|stats` and the versioned programme, `referral.program.get|set`.
enum ReferralMethods {
    typealias Referral = RPC.Referral

    static func render(_ b: ReferralRecord.Binding, masked: Bool) -> Referral.Binding {
        Referral.Binding(
            bindingID: b.id, memberID: MemberID(b.member), name: b.name.map { masked ? Masking.name($0) : $0 }, code: b.code,
            status: b.status, source: b.source, boundAt: b.boundAt, qualifiedAt: b.qualifiedAt, voidReason: b.voidReason, points: b.points)
    }

    /// The programme as results show it: as its definition writes it (and stores it), read as the contract's type.
    static func render(_ program: ReferralProgram) throws(RPCError) -> Referral.Program {
        try JSONValueDecoder().decode(Referral.Program.self, from: ReferralProgramDefinition.render(program))
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        memberSpecs(context) + programSpecs(context)
    }

    /// A member's referrals, binding by hand, statistics.
    static func memberSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Referral.Link.self, access: .read, scope: .memberID) { p, call in
                let r = try await context.referrals.link(member: p.memberID.value)
                return Referral.Link.Result(memberID: MemberID(r.member), code: r.code, url: r.url)
            },
            MethodSpec(Referral.Get.self, access: .read, scope: .memberID) { p, call in
                let r = try await context.referrals.get(member: p.memberID.value)
                let masked = MemberMethods.isMasked(call)
                let named = ([r.referredBy].compactMap { $0 } + r.referred).filter { $0.name != nil }
                try await AuditMethods.record(call, context: context, method: Referral.Get.name, fields: ["name"], members: named.map(\.member))
                return Referral.Get.Result(
                    memberID: MemberID(r.member), code: r.code, referredBy: r.referredBy.map { render($0, masked: masked) },
                    referred: r.referred.map { render($0, masked: masked) })
            },
            MethodSpec(Referral.Bind.self, access: .write, scope: .memberID) { p, call in
                let r = try await context.referrals.bind(
                    member: p.memberID.value, code: p.code, actor: call.actor, actorTokenID: call.session?.identity.tokenID,
                    reason: p.reason, policy: try await context.loyaltyPolicy().points)
                context.logger.notice("referral bound by hand", metadata: ["request": "\(call.requestID)", "member": "\(r.member)", "binding": "\(r.binding)"])
                return Referral.Bind.Result(bindingID: r.binding, memberID: MemberID(r.member))
            },
            MethodSpec(Referral.Stats.self, access: .read, scope: .merchantWide) { p, call in
                let s = try await context.referrals.stats(limit: p.limit ?? 20)
                let masked = MemberMethods.isMasked(call)
                let named = s.top.filter { $0.name != nil }
                try await AuditMethods.record(call, context: context, method: Referral.Stats.name, fields: ["name"], members: named.map(\.member))
                return Referral.Stats.Result(
                    bindings: s.bindings, rewarded: s.rewarded, voided: s.voided,
                    conversionPercent: s.bindings == 0 ? 0 : (Double(s.rewarded) * 1000 / Double(s.bindings)).rounded() / 10,
                    top: s.top.map { t in
                        Referral.Stats.Referrer(
                            memberID: MemberID(t.member), name: t.name.map { masked ? Masking.name($0) : $0 }, referred: t.referred,
                            rewarded: t.rewarded, voided: t.voided, points: t.points)
                    })
            },
        ]
    }

    /// The programme: `referral.program.get|set`.
    static func programSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Referral.ProgramGet.self, access: .read, scope: .merchantWide) { _, call in
                try render(try await context.referrals.program())
            },
            MethodSpec(Referral.ProgramSet.self, access: .admin, scope: .merchantWide) { p, call in
                guard let value = p.value.objectValue else {
                    throw RPCError.invalidParams("value must be an object", field: "value", reason: .missingField)
                }
                let saved = try await context.referrals.setProgram(
                    try ReferralProgramDefinition.parse(value), actor: call.actor,
                    actorTokenID: call.session?.identity.tokenID)
                context.logger.notice("referral programme changed", metadata: ["request": "\(call.requestID)", "version": "\(saved.version)"])
                return try render(saved)
            },
        ]
    }
}
