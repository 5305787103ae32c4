import CRMDomain
import CRMProtocol
import CRMStorage

/// Campaigns: `campaign.create|get|list|launch|stop|touches` (docs/campaigns.md).
enum CampaignMethods {
    typealias Campaign = RPC.Campaign

    static func store(_ context: ServerContext) -> CampaignStore { CampaignStore(pool: context.pool, codec: context.codec) }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Campaign.Create.self, access: .write, scope: .merchantWide) { p, call in
                let name = try campaignName(p.name)
                let plan = try CampaignPlanParams.plan(p)
                let segment = p.segment.map { $0.trimmingWhitespace() }
                let created = try await store(context).create(name: name, segment: segment, plan: plan, actor: call.actor)
                context.logger.notice("campaign created", metadata: ["request": "\(call.requestID)", "campaign": "\(name)"])
                return Campaign.One(campaign: render(created))
            },
            MethodSpec(Campaign.Get.self, access: .read, scope: .merchantWide) { p, call in
                let (found, occasions) = try await store(context).occasions(name: try campaignName(p.name))
                return Campaign.Get.Result(campaign: render(found), occasions: occasions.map(render))
            },
            MethodSpec(Campaign.List.self, access: .read, scope: .merchantWide) { p, call in
                let paging = try Paging(cursor: p.cursor, limit: p.limit)
                let found = try await store(context).list(afterName: paging.afterKey, status: p.status, limit: paging.fetchLimit)
                let page = paging.page(of: found, key: \.name, map: render)
                return Campaign.List.Result(campaigns: page.items, nextCursor: page.next)
            },
            MethodSpec(Campaign.Launch.self, access: .write, scope: .merchantWide) { p, call in
                let progress = try await launch(p, call, context)
                context.logger.info(
                    "campaign launch batch",
                    metadata: [
                        "request": "\(call.requestID)", "campaign": "\(progress.campaign)", "occasion": "\(progress.occasion.map(String.init) ?? "-")",
                        "touched": "\(progress.touched)", "total": "\(progress.total)", "done": "\(progress.done)",
                    ])
                return render(progress)
            },
            MethodSpec(Campaign.Stop.self, access: .write, scope: .merchantWide) { p, call in
                let stopped = try await store(context).stop(name: try campaignName(p.name), actor: call.actor)
                context.logger.notice("campaign stopped", metadata: ["request": "\(call.requestID)", "campaign": "\(stopped.name)"])
                return Campaign.One(campaign: render(stopped))
            },
            MethodSpec(Campaign.Touches.self, access: .read, scope: .merchantWide) { p, call in
                try await touches(p, call, context)
            },
        ]
    }

    /// The trimmed campaign name; refused when empty.
    static func campaignName(_ text: String) throws(RPCError) -> String {
        let name = text.trimmingWhitespace()
        guard !name.isEmpty else { throw .invalidParams("name must not be empty", field: "name", reason: .badName) }
        return name
    }

    /// One step of the launch. The segment is read only while the campaign is a draft: the first
    /// call takes its members (a concurrent first call finds them taken and goes on with the batches).
    static func launch(_ p: Campaign.Launch.Params, _ call: CallContext, _ context: ServerContext) async throws -> CampaignLaunchProgress {
        let name = try campaignName(p.name)
        let found = try await store(context).get(name: name)
        var filter: SegmentFilter?
        if found.status == "draft", found.plan.trigger == nil, let segment = found.segment {
            let saved = try await context.segments.get(name: segment)
            filter = try await SegmentMethods.filter(saved.filter, path: "segment.filter", context: context)
        }
        let measure = try await context.measureContext(asOf: nil)
        return try await store(context).launch(
            name: name, filter: filter, context: measure.value, loyalty: try await context.loyaltyPolicy(), limit: p.limit ?? 1_000,
            actor: call.actor)
    }

    /// A page of the touch list; the cursor is `occasion:member`.
    static func touches(_ p: Campaign.Touches.Params, _ call: CallContext, _ context: ServerContext) async throws -> Campaign.Touches.Result {
        let limit = p.limit ?? 1_000
        var after: (occasion: Int64, member: Int64)?
        if let cursor = p.cursor {
            let parts = PageCursor.decode(cursor)?.split(separator: ":")
            guard let parts, parts.count == 2, let o = Int64(parts[0]), let m = Int64(parts[1]) else { throw Paging.badCursor }
            after = (o, m)
        }
        let found = try await store(context).touches(
            name: try campaignName(p.name), occasion: p.occasion, status: p.status, after: after, limit: limit + 1)
        let shown = Array(found.prefix(limit))
        let next = found.count > limit ? PageCursor.encode("\(shown.last!.occasion):\(shown.last!.member)") : nil
        let masked = MemberMethods.isMasked(call)
        let touches = shown.map { render($0, masked: masked) }
        let held = [("name", touches.contains { $0.name != nil }), ("phone", touches.contains { $0.phone != nil }), ("email", touches.contains { $0.email != nil })]
        try await AuditMethods.record(
            call, context: context, method: Campaign.Touches.name, fields: held.filter(\.1).map(\.0), members: shown.map(\.member))
        return Campaign.Touches.Result(touches: touches, nextCursor: next)
    }

    static func render(_ r: CampaignRecord) -> Campaign.Summary {
        Campaign.Summary(
            name: r.name, segment: r.segment, plan: r.definition, status: r.status, touched: r.touched, members: r.members, createdAt: r.createdAt,
            createdBy: r.createdBy, launchedAt: r.launchedAt, stoppedAt: r.stoppedAt, stoppedBy: r.stoppedBy)
    }

    static func render(_ o: CampaignOccasionRecord) -> Campaign.Occasion {
        Campaign.Occasion(
            occasion: o.occasion, startedAt: o.startedAt, finishedAt: o.finishedAt, total: o.total, done: o.done, touched: o.touched,
            heldOut: o.heldOut, noConsent: o.noConsent, budget: o.budget, refused: o.refused)
    }

    static func render(_ p: CampaignLaunchProgress) -> Campaign.Launch.Result {
        Campaign.Launch.Result(
            name: p.campaign, status: p.status, occasion: p.occasion, touched: p.touched, heldOut: p.heldOut, noConsent: p.noConsent,
            budget: p.budget, refused: p.refused, total: p.total, done: p.done, nextWaveAt: p.nextWaveAt, finished: p.finished)
    }

    /// A touch row; name, phone and e-mail masked for masked roles (as `segment.export` shows them).
    static func render(_ t: CampaignTouchRecord, masked: Bool) -> Campaign.Touch {
        func personal(_ value: String?, _ mask: (String) -> String) -> String? { value.map { masked ? mask($0) : $0 } }
        return Campaign.Touch(
            occasion: t.occasion, memberID: MemberID(t.member), arm: t.arm, status: t.status, at: t.at, entry: t.entry, coupon: t.couponCode,
            noticeID: t.noticeID, name: personal(t.profile?.name, Masking.name), phone: personal(t.profile?.phone, Masking.phone),
            email: personal(t.profile?.email, Masking.email))
    }
}
