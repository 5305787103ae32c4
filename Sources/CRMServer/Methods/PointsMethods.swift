import CRMDomain
import CRMProtocol
import CRMStorage
import Logging

/// The points ledger: `points.get|history|redeem|adjust|expire|expiring|verify` and `points.rule.*`.
enum PointsMethods {
    typealias Points = RPC.Points

    static func render(_ change: PointsChange) -> Points.Change {
        Points.Change(entryID: change.entryID, memberID: MemberID(change.member), points: change.points, balance: change.balance, replayed: change.replayed)
    }

    static func render(_ e: PointsEntryRecord) -> Points.History.Entry {
        Points.History.Entry(
            id: e.id, at: e.at, kind: e.kind, points: e.points,
            order: e.order.map { Points.History.OrderRef(shop: $0.shop, channel: $0.channel, orderNo: $0.orderNo) },
            refundNo: e.refundNo,
            explanation: e.kind == "earn" ? e.detail : nil,
            shortfall: e.kind == "reverse" ? e.detail?["shortfall"]?.int64Value.flatMap { $0 > 0 ? $0 : nil } : nil,
            detail: e.kind != "earn" ? e.detail : nil,
            actor: e.actor, reason: e.reason, idempotencyKey: e.idempotencyKey, runID: e.runID, mergeID: e.mergeID)
    }

    static func render(_ r: PointsStore.RuleRecord) -> Points.Rule {
        Points.Rule(
            id: r.rule.id, name: r.rule.name, version: r.rule.version, definition: AccrualRuleDefinition.render(r.rule),
            createdAt: r.createdAt, createdBy: r.createdBy, disabledAt: r.disabledAt)
    }

    /// Runs a redemption or an adjustment once per idempotency key, logs it, and renders the result.
    static func perform(
        _ request: PointsStore.Request, _ call: CallContext, _ context: ServerContext, level: Logger.Level, _ message: Logger.Message
    ) async throws -> Points.Change {
        let change = try await context.points.change(request, policy: try await context.loyaltyPolicy().points, actor: call.actor)
        context.logger.log(
            level: level, message,
            metadata: [
                "request": "\(call.requestID)", "member": "\(change.member)", "points": "\(change.points)",
                "replayed": "\(change.replayed)",
            ])
        return render(change)
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        balanceSpecs(context) + jobSpecs(context) + ruleSpecs(context)
    }

    /// Balances, history, spending and adjustments.
    static func balanceSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Points.Get.self, access: .read) { p, call in
                let s = try await context.points.summary(member: p.memberID.value)
                return Points.Get.Result(
                    memberID: MemberID(s.member), balance: s.balance, pending: s.pending, debt: s.debt,
                    lots: s.lots.map { lot in
                        Points.Get.Lot(
                            id: lot.id, earnedAt: lot.earnedAt, availableAt: lot.availableAt, expiresAt: lot.expiresAt, amount: lot.amount,
                            remaining: lot.remaining, pending: lot.pending)
                    })
            },
            MethodSpec(Points.History.self, access: .read) { p, call in
                let paging = try Paging(cursor: p.cursor, limit: p.limit)
                let (member, entries) = try await context.points.history(member: p.memberID.value, beforeID: try paging.afterID(), limit: paging.fetchLimit)
                let page = paging.page(of: entries, key: { String($0.id) }, map: render)
                return Points.History.Result(memberID: MemberID(member), entries: page.items, nextCursor: page.next)
            },
            MethodSpec(Points.Redeem.self, access: .write) { p, call in
                let request = PointsStore.Request(
                    method: Points.Redeem.name, member: p.memberID.value, points: p.points, key: p.idempotencyKey,
                    reason: p.reason, kind: p.kind ?? "spend", project: p.project)
                return try await perform(request, call, context, level: .info, "points redeemed")
            },
            MethodSpec(Points.Adjust.self, access: .write) { p, call in
                let request = PointsStore.Request(
                    method: Points.Adjust.name, member: p.memberID.value, points: p.points, key: p.idempotencyKey,
                    reason: p.reason, kind: "adjust", project: nil)
                return try await perform(request, call, context, level: .notice, "points adjusted")
            },
        ]
    }

    /// Expiry runs, the warning list and the ledger check.
    static func jobSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Points.Expire.self, access: .write) { p, call in
                try await expire(p, call, context)
            },
            MethodSpec(Points.Expiring.self, access: .read) { p, call in
                try await expiring(p, call, context)
            },
            MethodSpec(Points.Verify.self, access: .read) { _, call in
                let report = try await context.verifier.run()
                if !report.ok {
                    context.logger.error(
                        "points ledger verification failed",
                        metadata: [
                            "request": "\(call.requestID)", "violated": "\(report.checks.filter { !$0.ok }.map(\.name).joined(separator: ","))",
                        ])
                }
                let t = report.totals
                return Points.Verify.Result(
                    ok: report.ok,
                    checks: report.checks.map { Points.Verify.Check(name: $0.name, ok: $0.ok, violations: $0.violations, examples: $0.examples) },
                    totals: Points.Verify.Totals(
                        issued: t.issued, spent: t.spent, donated: t.donated, expired: t.expired, reversed: t.reversed,
                        adjustedOut: t.adjustedOut, outstanding: t.outstanding, debt: t.debt),
                    coupons: CouponMethods.render(report.coupons))
            },
        ]
    }

    static func expire(_ p: Points.Expire.Params, _ call: CallContext, _ context: ServerContext) async throws -> Points.Expire.Result {
        let dryRun = p.dryRun ?? false
        if !dryRun { _ = context.runHolders.withLockedValue { $0.insert(call.connection) } }
        let live = (prefix: context.connectionName(prefix: ()), names: context.runHolders.withLockedValue { Array($0) })
        let batch = try await context.expiry.expire(
            asOf: p.asOf, limit: p.limit ?? 1_000, runID: p.runID, holder: call.connection, actor: call.actor,
            policy: try await context.loyaltyPolicy().points, dryRun: dryRun, liveHolders: live)
        if batch.points > 0 || batch.done {
            context.logger.info(
                "points expired",
                metadata: [
                    "request": "\(call.requestID)", "run": "\(batch.runID.map(String.init) ?? "dry")",
                    "members": "\(batch.members)", "points": "\(batch.points)", "done": "\(batch.done)",
                ])
        }
        return Points.Expire.Result(
            runID: batch.runID, members: Int64(batch.members), lots: Int64(batch.lots), points: batch.points, done: batch.done,
            run: batch.run.map { Points.Expire.Totals(members: Int64($0.members), lots: Int64($0.lots), points: $0.points) })
    }

    static func expiring(_ p: Points.Expiring.Params, _ call: CallContext, _ context: ServerContext) async throws -> Points.Expiring.Result {
        let policy = try await context.loyaltyPolicy().points
        var asOf = p.asOf
        if asOf == nil { asOf = try await context.points.today(offsetMinutes: policy.offsetMinutes) }
        guard let asOf else { preconditionFailure("as_of was just set") }
        let paging = try Paging(cursor: p.cursor, limit: p.limit)
        let found = try await context.expiry.expiring(
            asOf: asOf, withinDays: Int64(p.withinDays), afterMember: try paging.afterID(), limit: paging.fetchLimit, policy: policy, codec: context.codec)
        let masked = MemberMethods.isMasked(call)
        let page = paging.page(of: found, key: { String($0.member.id) }) { e in
            let m = e.member
            return Points.Expiring.Member(
                memberID: MemberID(m.id), name: m.name.map { masked ? Masking.name($0) : $0 },
                phone: m.phone.map { masked ? Masking.phone($0) : $0 }, email: m.email.map { masked ? Masking.email($0) : $0 },
                balance: e.balance, expiringPoints: e.points, firstExpiry: e.firstExpiry,
                expiring: e.byDay.map { Points.Expiring.Day(date: $0.date, points: $0.points) })
        }
        return Points.Expiring.Result(asOf: asOf, members: page.items, nextCursor: page.next)
    }

    /// Accrual rules.
    static func ruleSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Points.RuleAdd.self, access: .write) { p, call in
                let definition = try JSONValueEncoder().encode(p)
                let rule = try AccrualRuleDefinition.parse(definition.objectValue ?? JSONObject(), name: p.name)
                let stored = try await context.points.addRule(rule, actor: call.actor)
                context.logger.notice(
                    "points rule added", metadata: ["request": "\(call.requestID)", "rule": "\(p.name)", "version": "\(stored.rule.version)"])
                return Points.RuleAdd.Result(rule: render(stored))
            },
            MethodSpec(Points.RuleList.self, access: .read) { p, call in
                let rules = try await context.points.rules(includeDisabled: p.includeDisabled ?? false)
                return Points.RuleList.Result(rules: rules.map(render))
            },
            MethodSpec(Points.RuleDisable.self, access: .write) { p, call in
                let id = try await context.points.disableRule(name: p.name, actor: call.actor)
                context.logger.notice("points rule disabled", metadata: ["request": "\(call.requestID)", "rule": "\(p.name)"])
                return Points.RuleDisable.Result(rule: .init(id: id, name: p.name))
            },
        ]
    }
}
