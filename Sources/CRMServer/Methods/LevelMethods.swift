import CRMDomain
import CRMProtocol
import CRMStorage

/// Member levels: `level.get|set|evaluate` and the ladder, `level.rules.get|set`.
enum LevelMethods {
    typealias Level = RPC.Level

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        memberSpecs(context) + ladderSpecs(context)
    }

    /// The ladder as results show it: as `LoyaltySettingsJSON` writes it (and stores it), read as the contract's type.
    static func ladder(_ ladder: LevelLadder) throws(RPCError) -> Level.Ladder {
        try JSONValueDecoder().decode(Level.Ladder.self, from: LoyaltySettingsJSON.render(ladder))
    }

    /// A member's level: `level.get|set`, and everyone's, `level.evaluate`.
    static func memberSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Level.Get.self, access: .read, scope: .memberID) { p, call in
                let ladder = try await context.loyaltyPolicy().ladder
                let s = try await context.levels.standing(member: p.memberID.value, ladder: ladder)
                func level(_ code: String) -> Level.Ref { MemberMethods.level(ladder.levels[ladder.rank(of: code)]) }
                return Level.Get.Result(
                    memberID: MemberID(s.member), level: level(s.code), since: s.since, manual: s.manual, belowSince: s.belowSince,
                    qualifies: level(s.qualifies), spendFen: s.spendFen, orders: s.orders,
                    history: s.history.map { Level.Get.Change(at: $0.at, from: $0.from, to: $0.to, reason: $0.reason, actor: $0.actor) })
            },
            MethodSpec(Level.Set.self, access: .write, scope: .memberID) { p, call in
                let loyalty = try await context.loyaltyPolicy()
                let ladder = loyalty.ladder
                let member = try await context.levels.set(
                    member: p.memberID.value, code: p.level, ladder: ladder, actor: call.actor,
                    actorTokenID: call.session?.identity.tokenID, reason: p.reason, offsetMinutes: loyalty.points.offsetMinutes)
                context.logger.notice("level set by hand", metadata: ["request": "\(call.requestID)", "member": "\(member)", "level": "\(p.level)"])
                return Level.Set.Result(memberID: MemberID(member), level: MemberMethods.level(ladder.levels[ladder.rank(of: p.level)]))
            },
            MethodSpec(Level.Evaluate.self, access: .write, scope: .merchantWide) { p, call in
                let loyalty = try await context.loyaltyPolicy()
                let r = try await context.levels.evaluate(
                    asOf: p.asOf, offsetMinutes: loyalty.points.offsetMinutes, ladder: loyalty.ladder,
                    actor: call.actor, dryRun: p.dryRun ?? false)
                context.logger.notice(
                    "levels evaluated",
                    metadata: [
                        "request": "\(call.requestID)", "as_of": "\(p.asOf)", "members": "\(r.members)",
                        "raised": "\(r.raised)", "lowered": "\(r.lowered)",
                    ])
                return Level.Evaluate.Result(members: Int64(r.members), raised: Int64(r.raised), lowered: Int64(r.lowered), pendingDrop: Int64(r.pendingDrop))
            },
        ]
    }

    /// The ladder: `level.rules.get|set`.
    static func ladderSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Level.RulesGet.self, access: .read, scope: .merchantWide) { _, call in
                try ladder(try await context.loyaltyPolicy().ladder)
            },
            MethodSpec(Level.RulesSet.self, access: .admin, scope: .merchantWide) { p, call in
                let ladder = try LoyaltySettingsJSON.parseLadder(p.value)
                let rendered = LoyaltySettingsJSON.render(ladder)
                let moved = try await context.levels.replaceLadder(
                    ladder, json: JSONSerializer.serialize(rendered), actor: call.actor,
                    actorTokenID: call.session?.identity.tokenID)
                context.logger.notice("level ladder changed", metadata: ["request": "\(call.requestID)", "moved": "\(moved)"])
                return try JSONValueDecoder().decode(Level.Ladder.self, from: rendered)
            },
        ]
    }
}
