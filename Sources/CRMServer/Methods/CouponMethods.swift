import CRMDomain
import CRMProtocol
import CRMStorage

/// Coupons: `coupon.template.add|list|disable`, `coupon.issue`, `coupon.list`, `coupon.get`
/// (redemption, voiding, expiry and the figures are in `CouponUseMethods`).
enum CouponMethods {
    typealias Coupon = RPC.Coupon

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        templateSpecs(context) + holdingSpecs(context) + CouponUseMethods.specs(context)
    }

    static func render(_ r: CouponTemplateRecord) -> Coupon.Template {
        Coupon.Template(
            name: r.template.name, version: r.template.version, terms: r.terms, budget: r.budget, issued: r.issued, disabledAt: r.disabledAt,
            createdAt: r.createdAt, createdBy: r.createdBy)
    }

    static func render(_ t: LedgerVerifier.CouponTotals) -> Coupon.Totals {
        Coupon.Totals(issued: t.issued, redeemed: t.redeemed, expired: t.expired, voided: t.voided, usable: t.usable)
    }

    static func render(_ c: CouponRecord) -> Coupon.Held {
        let t = c.template
        let (kind, value): (String, JSONValue) =
            switch t.discount {
            case .amount(let fen): ("amount", .string(Money.format(fen: fen)))
            case .percent(let p, _): ("percent", .int(p))
            }
        return Coupon.Held(
            code: c.code, template: t.name, version: t.version, title: t.title, kind: kind, value: value, minSpend: Money.format(fen: t.minSpendFen),
            status: c.status.rawValue, source: c.source, sourceRef: c.sourceRef, memberID: MemberID(c.member), issuedAt: c.issuedAt,
            validFrom: c.validFrom, expiresAt: c.expiresAt, redeemedAt: c.redeemedAt, shop: c.shop, orderNo: c.orderNo,
            discount: c.discountFen.map { Money.format(fen: $0) }, endedAt: c.endedAt)
    }

    static func render(_ p: CouponIssueProgress) -> Coupon.Issue.Result {
        Coupon.Issue.Result(
            runID: p.runID, template: p.template, memberID: p.member.map { MemberID($0) }, segment: p.segment, issued: p.issued, skipped: p.skipped,
            members: p.members, total: p.total, done: p.done, codes: p.codes, replayed: p.replayed)
    }

    /// A code as typed (case, dashes and look-alike letters forgiven), or `bad_coupon`.
    static func code(_ text: String, field: String = "code") throws(RPCError) -> String {
        guard let code = CouponCode.normalized(text) else {
            throw .invalidParams("\(text) is not a coupon code (16 letters and digits, e.g. K7QD-2M9X-AB3F-0RTV)", field: field, reason: .badCoupon)
        }
        return code
    }

    /// Yuan text as fen, or `reason` naming the field.
    static func fen(_ text: String, field: String, reason: ErrorReason) throws(RPCError) -> Int64 {
        guard let fen = Money.parseFen(text) else { throw .invalidParams("\(field) must be an amount in yuan such as \"3.00\"", field: field, reason: reason) }
        return fen
    }

    /// Templates: adding versions, listing, disabling.
    static func templateSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Coupon.TemplateAdd.self, access: .write, scope: .merchantWide) { p, call in
                let stored = try await context.coupons.addTemplate(try CouponTemplateParams.template(p), actor: call.actor)
                context.logger.notice(
                    "coupon template added",
                    metadata: ["request": "\(call.requestID)", "template": "\(stored.template.name)", "version": "\(stored.template.version)"])
                return Coupon.TemplateAdd.Result(template: render(stored))
            },
            MethodSpec(Coupon.TemplateList.self, access: .read, scope: .merchantWide) { p, call in
                let found = try await context.coupons.templates(name: p.name?.trimmingWhitespace(), includeDisabled: p.includeDisabled ?? false)
                return Coupon.TemplateList.Result(templates: found.map(render))
            },
            MethodSpec(Coupon.TemplateDisable.self, access: .write, scope: .merchantWide) { p, call in
                let stored = try await context.coupons.disableTemplate(name: p.name.trimmingWhitespace(), actor: call.actor)
                context.logger.notice("coupon template disabled", metadata: ["request": "\(call.requestID)", "template": "\(p.name)"])
                return Coupon.TemplateAdd.Result(template: render(stored))
            },
        ]
    }

    /// Issuing, and the coupons members hold.
    static func holdingSpecs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Coupon.Issue.self, access: .write, scope: .memberID) { p, call in
                let progress = try await issue(p, call, context)
                context.logger.info(
                    "coupons issued",
                    metadata: [
                        "request": "\(call.requestID)", "run": "\(progress.runID)", "template": "\(progress.template)",
                        "issued": "\(progress.issued)", "members": "\(progress.members)", "done": "\(progress.done)",
                    ])
                return render(progress)
            },
            MethodSpec(Coupon.List.self, access: .read, scope: .memberID) { p, call in
                let paging = try Paging(cursor: p.cursor, limit: p.limit)
                let (member, found) = try await context.coupons.coupons(
                    member: p.memberID.value, status: p.status.flatMap(CouponStatus.init(rawValue:)), beforeID: try paging.afterID(),
                    limit: paging.fetchLimit)
                let page = paging.page(of: found, key: { String($0.id) }, map: render)
                return Coupon.List.Result(memberID: MemberID(member), coupons: page.items, nextCursor: page.next)
            },
            MethodSpec(Coupon.Get.self, access: .read, scope: .memberFound) { p, call in
                let (coupon, events) = try await context.coupons.coupon(code: try code(p.code))
                try await ShopScopeGate.require(members: [coupon.member], identity: call.session?.identity, context: context)
                return Coupon.Get.Result(
                    coupon: render(coupon), originMemberID: MemberID(coupon.originMember),
                    events: events.map { Coupon.Get.Event(at: $0.at, kind: $0.kind, memberID: MemberID($0.member), actor: $0.actor, detail: $0.detail) })
            },
        ]
    }

    /// One coupon to a member, or the next batch of a segment run (started on the first call).
    static func issue(_ p: Coupon.Issue.Params, _ call: CallContext, _ context: ServerContext) async throws -> CouponIssueProgress {
        let template = p.template.trimmingWhitespace()
        let offset = try await context.loyaltyPolicy().points.offsetMinutes
        if let member = p.memberID {
            return try await context.coupons.issue(template: template, member: member.value, key: p.idempotencyKey, actor: call.actor, offsetMinutes: offset)
        }
        guard let segment = p.segment.map({ $0.trimmingWhitespace() }) else { preconditionFailure("Issue.Params.validate lets member_id or segment through") }
        if try await context.coupons.segmentRun(template: template, segment: segment, key: p.idempotencyKey) == nil {
            let saved = try await context.segments.get(name: try SegmentMethods.segmentName(segment))
            let filter = try await SegmentMethods.filter(saved.filter, path: "segment.filter", context: context)
            let measure = try await context.measureContext(asOf: nil)
            try await context.coupons.startSegmentRun(
                template: template, segment: segment, filter: filter, context: measure.value, key: p.idempotencyKey, actor: call.actor)
        }
        return try await context.coupons.issueBatch(
            template: template, segment: segment, key: p.idempotencyKey, limit: p.limit ?? 1_000, actor: call.actor, offsetMinutes: offset)
    }
}
