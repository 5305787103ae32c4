import CRMDomain
import CRMProtocol
import CRMStorage

/// Member levels: `level.get|set|evaluate` and the ladder, `level.rules.get|set`.
enum LevelMethods {
    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec("level.get", access: .read) { call in
                try call.params.allowOnly(["member_id"])
                let ladder = try await context.loyaltyPolicy().ladder
                let s = try await context.levels.standing(member: try MemberMethods.requiredMemberID(call.params, "member_id"), ladder: ladder)
                func level(_ code: String) -> JSONValue { MemberMethods.levelJSON(ladder.levels[ladder.rank(of: code)]) }
                return ["member_id": .string(String(s.member)), "level": level(s.code), "since": s.since.map(JSONValue.string) ?? .null,
                        "manual": .bool(s.manual), "below_since": s.belowSince.map(JSONValue.string) ?? .null, "qualifies": level(s.qualifies),
                        "spend_fen": .int(s.spendFen), "orders": .int(s.orders),
                        "history": .array(s.history.map { ["at": .string($0.at), "from": $0.from.map(JSONValue.string) ?? .null, "to": .string($0.to),
                                                           "reason": .string($0.reason), "actor": .string($0.actor)] })]
            },
            MethodSpec("level.set", access: .write) { call in
                try call.params.allowOnly(["member_id", "level", "reason"])
                let ladder = try await context.loyaltyPolicy().ladder
                let code = try call.params.string("level", maxLength: 32)
                let member = try await context.levels.set(member: try MemberMethods.requiredMemberID(call.params, "member_id"), code: code, ladder: ladder,
                                                          actor: call.actor, actorTokenID: call.session?.identity.tokenID,
                                                          reason: try call.params.string("reason", maxLength: 500))
                context.logger.notice("level set by hand", metadata: ["request": "\(call.requestID)", "member": "\(member)", "level": "\(code)"])
                return ["member_id": .string(String(member)), "level": MemberMethods.levelJSON(ladder.levels[ladder.rank(of: code)])]
            },
            MethodSpec("level.evaluate", access: .write) { call in
                try call.params.allowOnly(["as_of", "dry_run"])
                guard let asOf = try PointsMethods.date(call.params, "as_of") else {
                    throw RPCError.invalidParams("as_of is required", field: "as_of", reason: "missing_field")
                }
                let loyalty = try await context.loyaltyPolicy()
                let r = try await context.levels.evaluate(asOf: asOf, offsetMinutes: loyalty.points.offsetMinutes, ladder: loyalty.ladder,
                                                          actor: call.actor, dryRun: try call.params.optionalBool("dry_run") ?? false)
                context.logger.notice("levels evaluated", metadata: ["request": "\(call.requestID)", "as_of": "\(asOf)", "members": "\(r.members)",
                                                                     "raised": "\(r.raised)", "lowered": "\(r.lowered)"])
                return ["members": .int(r.members), "raised": .int(r.raised), "lowered": .int(r.lowered), "pending_drop": .int(r.pendingDrop)]
            },
            MethodSpec("level.rules.get", access: .read) { call in
                try call.params.allowOnly([])
                return LoyaltySettingsJSON.render(try await context.loyaltyPolicy().ladder)
            },
            MethodSpec("level.rules.set", access: .admin) { call in
                try call.params.allowOnly(["value"])
                guard let value = call.params.object["value"] else { throw RPCError.invalidParams("value is required", field: "value", reason: "missing_field") }
                let ladder = try LoyaltySettingsJSON.parseLadder(value)
                let rendered = LoyaltySettingsJSON.render(ladder)
                let moved = try await context.levels.replaceLadder(ladder, json: JSONSerializer.serialize(rendered), actor: call.actor,
                                                                   actorTokenID: call.session?.identity.tokenID)
                context.logger.notice("level ladder changed", metadata: ["request": "\(call.requestID)", "moved": "\(moved)"])
                return rendered
            },
        ]
    }
}
