import CRMDomain
import CRMProtocol
import CRMStorage

/// Coupons that come with orders and points: the tiered rules `coupon.rule.add|list|disable`
/// (滿額送券) and `coupon.exchange` (積分兌換現金券). Coupons named in `order.paid` and released by
/// refunds are part of ingest (`CouponOrder`, `CouponRelease`).
enum CouponFlowMethods {
    typealias Rules = RPC.CouponRules

    static func render(_ r: CouponRuleStore.RuleRecord) -> Rules.Rule {
        Rules.Rule(
            id: r.id, name: r.rule.name, version: r.rule.version,
            tiers: r.rule.tiers.map { Rules.Tier(minAmount: Money.format(fen: $0.minAmountFen), template: $0.template) },
            shops: r.rule.shops, channels: r.rule.channels.map(\.rawValue), createdAt: r.createdAt, createdBy: r.createdBy, disabledAt: r.disabledAt)
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        let rules = CouponRuleStore(pool: context.pool)
        let exchange = CouponExchange(pool: context.pool)
        return [
            MethodSpec(Rules.RuleAdd.self, access: .write, scope: .merchantWide) { p, call in
                let stored = try await rules.add(try p.rule(), actor: call.actor)
                context.logger.notice(
                    "coupon rule added", metadata: ["request": "\(call.requestID)", "rule": "\(p.name)", "version": "\(stored.rule.version)"])
                return Rules.RuleAdd.Result(rule: render(stored))
            },
            MethodSpec(Rules.RuleList.self, access: .read, scope: .merchantWide) { p, _ in
                Rules.RuleList.Result(rules: try await rules.rules(includeDisabled: p.includeDisabled ?? false).map(render))
            },
            MethodSpec(Rules.RuleDisable.self, access: .write, scope: .merchantWide) { p, call in
                let id = try await rules.disable(name: p.name, actor: call.actor)
                context.logger.notice("coupon rule disabled", metadata: ["request": "\(call.requestID)", "rule": "\(p.name)"])
                return Rules.RuleDisable.Result(rule: .init(id: id, name: p.name))
            },
            MethodSpec(RPC.CouponExchange.Exchange.self, access: .write, scope: .memberID) { p, call in
                let done = try await exchange.exchange(
                    member: p.memberID.value, template: p.template, key: p.idempotencyKey, policy: try await context.loyaltyPolicy().points,
                    actor: call.actor)
                context.logger.info(
                    "coupon exchanged for points",
                    metadata: [
                        "request": "\(call.requestID)", "member": "\(done.member)", "template": "\(done.template)", "points": "\(done.points)",
                        "replayed": "\(done.replayed)",
                    ])
                return RPC.CouponExchange.Exchange.Result(
                    code: done.code, template: done.template, memberID: MemberID(done.member), points: done.points, balance: done.balance,
                    entryID: done.entryID, expiresAt: done.expiresAt, replayed: done.replayed)
            },
        ]
    }
}
