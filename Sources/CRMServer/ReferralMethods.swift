import CRMDomain
import CRMProtocol
import CRMStorage

/// Referrals (老帶新): `referral.link|get|bind|stats` and the versioned programme, `referral.program.get|set`.
enum ReferralMethods {
    static func render(_ b: ReferralRecord.Binding, masked: Bool) -> JSONValue {
        ["binding_id": .int(b.id), "member_id": .string(String(b.member)), "name": b.name.map { .string(masked ? Masking.name($0) : $0) } ?? .null,
         "code": .string(b.code), "status": .string(b.status), "source": .string(b.source), "bound_at": .string(b.boundAt),
         "qualified_at": b.qualifiedAt.map(JSONValue.string) ?? .null, "void_reason": b.voidReason.map(JSONValue.string) ?? .null,
         "points": .int(b.points)]
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec("referral.link", access: .read) { call in
                try call.params.allowOnly(["member_id"])
                let r = try await context.referrals.link(member: try MemberMethods.requiredMemberID(call.params, "member_id"))
                return ["member_id": .string(String(r.member)), "code": .string(r.code), "url": .string(r.url)]
            },
            MethodSpec("referral.get", access: .read) { call in
                try call.params.allowOnly(["member_id"])
                let r = try await context.referrals.get(member: try MemberMethods.requiredMemberID(call.params, "member_id"))
                let masked = MemberMethods.isMasked(call)
                return ["member_id": .string(String(r.member)), "code": .string(r.code),
                        "referred_by": r.referredBy.map { render($0, masked: masked) } ?? .null,
                        "referred": .array(r.referred.map { render($0, masked: masked) })]
            },
            MethodSpec("referral.bind", access: .write) { call in
                try call.params.allowOnly(["member_id", "code", "reason"])
                let r = try await context.referrals.bind(member: try MemberMethods.requiredMemberID(call.params, "member_id"),
                                                         code: try call.params.string("code", maxLength: 32), actor: call.actor,
                                                         actorTokenID: call.session?.identity.tokenID, reason: try call.params.string("reason", maxLength: 500),
                                                         policy: try await context.loyaltyPolicy().points)
                context.logger.notice("referral bound by hand", metadata: ["request": "\(call.requestID)", "member": "\(r.member)", "binding": "\(r.binding)"])
                return ["binding_id": .int(r.binding), "member_id": .string(String(r.member))]
            },
            MethodSpec("referral.stats", access: .read) { call in
                try call.params.allowOnly(["limit"])
                let s = try await context.referrals.stats(limit: Int(try call.params.optionalInt("limit", in: 1...1_000) ?? 20))
                let masked = MemberMethods.isMasked(call)
                return ["bindings": .int(s.bindings), "rewarded": .int(s.rewarded), "voided": .int(s.voided),
                        "conversion_percent": .double(s.bindings == 0 ? 0 : (Double(s.rewarded) * 1000 / Double(s.bindings)).rounded() / 10),
                        "top": .array(s.top.map { t in
                            ["member_id": .string(String(t.member)), "name": t.name.map { .string(masked ? Masking.name($0) : $0) } ?? .null,
                             "referred": .int(t.referred), "rewarded": .int(t.rewarded), "voided": .int(t.voided), "points": .int(t.points)]
                        })]
            },
            MethodSpec("referral.program.get", access: .read) { call in
                try call.params.allowOnly([])
                return ReferralProgramDefinition.render(try await context.referrals.program())
            },
            MethodSpec("referral.program.set", access: .admin) { call in
                try call.params.allowOnly(["value"])
                guard let value = call.params.object["value"]?.objectValue else {
                    throw RPCError.invalidParams("value must be an object", field: "value", reason: "missing_field")
                }
                let saved = try await context.referrals.setProgram(try ReferralProgramDefinition.parse(value), actor: call.actor,
                                                                   actorTokenID: call.session?.identity.tokenID)
                context.logger.notice("referral programme changed", metadata: ["request": "\(call.requestID)", "version": "\(saved.version)"])
                return ReferralProgramDefinition.render(saved)
            },
        ]
    }
}
