import CRMDomain
import CRMJSON
import CRMPostgres

/// The daily evaluation of standing campaigns (running campaigns with a trigger), one committed
/// batch of member ids per call: each campaign gets one occasion per merchant day (its cursor
/// makes the day resumable after a kill), the members its trigger brings in (`StandingEntries`)
/// get their arm (`CampaignAssignment`) and go through `CampaignToucher` with their entry, so each
/// entry is touched (or held out, or excluded) once however often the day is evaluated.
public struct StandingCampaigns: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// What one batch did.
    public struct Batch: Sendable, Equatable {
        /// The campaign and occasion evaluated (nil when every standing campaign was done for the day).
        public var campaign: String?
        public var occasion: Int64?
        /// Member ids looked at, and the entries found among them.
        public var members: Int64 = 0
        public var entries: Int64 = 0
        public var touched: Int64 = 0
        public var heldOut: Int64 = 0
        public var noConsent: Int64 = 0
        public var budget: Int64 = 0
        public var refused: Int64 = 0
        /// Entries recorded before (an earlier day of the same stay, or a rerun).
        public var already: Int64 = 0
        /// The campaign's day is done.
        public var campaignDone = false
        /// Why the campaign could not be evaluated (its saved segment is gone or no longer valid).
        public var problem: String?
        /// Every standing campaign is done for the day.
        public var done = false
    }

    /// The running standing campaign evaluated by the next batch, as read under its row lock.
    struct Standing {
        var campaign: CampaignToucher.Campaign
        var seed: Int64
        var segment: String?
        var since: String
    }

    /// One batch of up to `limit` member ids of the first standing campaign not yet done for `asOf`
    /// (a merchant date, not after today); call again until `done`.
    public func evaluate(asOf: String, context: MeasureContext, loyalty: LoyaltyPolicy, limit: Int, actor: String) async throws -> Batch {
        let offset = loyalty.points.offsetMinutes
        let day = try AsOfDate(asOf, offsetMinutes: offset)
        try await day.requireStarted(pool, offsetMinutes: offset)
        return try await pool.withTransaction { c in
            // No merge moves these members (or what they are given) before the batch commits.
            try c.lockIdentityShared()
            guard let standing = try Self.next(c, day: day.text, end: day.end) else { return Batch(done: true) }
            let occasion = try Self.occasion(c, standing.campaign.id, day: day.text, end: day.end)
            var batch = Batch(campaign: standing.campaign.name, occasion: occasion.number)
            let upTo = min(occasion.total, occasion.cursor + Int64(limit))
            do {
                let entries = try Self.entries(
                    c, standing, context: context, day: day.date,
                    batch: .init(after: occasion.cursor, upTo: upTo, asOf: occasion.startedAt, since: standing.since))
                try Self.touch(c, loyalty: loyalty, standing, occasion: occasion.number, entries, actor: actor, into: &batch)
            } catch let problem as StandingProblem {
                batch.problem = problem.message
            }
            batch.members = upTo - occasion.cursor
            batch.campaignDone = batch.problem != nil || upTo >= occasion.total
            try c.queryPrepared(
                """
                UPDATE campaign_occasion SET cursor = $3, done = $4, finished_at = CASE WHEN $4 THEN now() END
                WHERE campaign_id = $1 AND occasion = $2
                """, [.int(standing.campaign.id), .int(occasion.number), .int(batch.campaignDone ? occasion.total : upTo), .bool(batch.campaignDone)])
            return batch
        }
    }

    /// A campaign that cannot be evaluated today; it is passed over (the answer says why).
    struct StandingProblem: Error {
        var message: String
    }

    /// The first running standing campaign started by the end of `day` whose occasion for that day
    /// is not done, its row locked (a concurrent evaluation waits, then finds the batch done).
    static func next(_ c: PostgresConnection, day: String, end: Int64) throws -> Standing? {
        guard
            let row = try c.queryPrepared(
                """
                SELECT c.id, c.name, c.definition::text, c.seed, c.segment, crm_rfc3339(COALESCE(c.launched_at, c.created_at))
                FROM campaign c
                WHERE c.status = 'running' AND c.definition ? 'trigger' AND COALESCE(c.launched_at, c.created_at) < to_timestamp($2)
                  AND NOT EXISTS (SELECT 1 FROM campaign_occasion o WHERE o.campaign_id = c.id AND o.evaluated_on = $1::date AND o.done)
                ORDER BY c.id LIMIT 1
                FOR NO KEY UPDATE OF c
                """, [.text(day), .int(end)]
            ).single
        else { return nil }
        let name: String = try row.decode(at: 1)
        let plan = CampaignPlanDefinition.stored(try JSONParser.parse(try row.decode(String.self, at: 2)), campaign: name)
        return Standing(
            campaign: .init(id: try row.decode(at: 0), name: name, plan: plan), seed: try row.decode(at: 3), segment: try row.decode(at: 4),
            since: try row.decode(at: 5))
    }

    /// A day's occasion of a standing campaign and its progress.
    struct Occasion {
        var number: Int64
        /// Member ids up to this one are done; `total` is the last id to look at.
        var cursor: Int64
        var total: Int64
        /// The evaluation time of the day (RFC 3339).
        var startedAt: String
    }

    /// The campaign's occasion for `day`: started at the end of that day (or now, today) over the
    /// member ids there were then; the same occasion on every batch and rerun of the day.
    static func occasion(_ c: PostgresConnection, _ campaign: Int64, day: String, end: Int64) throws -> Occasion {
        try c.queryPrepared(
            """
            INSERT INTO campaign_occasion (campaign_id, occasion, started_at, total, evaluated_on)
            SELECT $1, COALESCE((SELECT max(occasion) FROM campaign_occasion WHERE campaign_id = $1), 0) + 1,
                   least(now(), to_timestamp($3) - interval '1 second'), (SELECT COALESCE(max(id), 0) FROM member), $2::date
            ON CONFLICT DO NOTHING
            """, [.int(campaign), .text(day), .int(end)])
        let row = try c.queryPrepared(
            "SELECT occasion, cursor, total, crm_rfc3339(started_at) FROM campaign_occasion WHERE campaign_id = $1 AND evaluated_on = $2::date",
            [.int(campaign), .text(day)]
        ).single!
        return Occasion(number: try row.decode(at: 0), cursor: try row.decode(at: 1), total: try row.decode(at: 2), startedAt: try row.decode(at: 3))
    }

    /// The entries the campaign's trigger brings in among the batch's members.
    static func entries(
        _ c: PostgresConnection, _ s: Standing, context: MeasureContext, day: (year: Int64, month: Int64, day: Int64),
        batch: StandingEntries.Batch
    ) throws -> [StandingEntries.Entry] {
        var context = context
        context.asOf = batch.asOf
        let resolved = try context.resolve(c)
        let segment = try s.segment.map { try filter(c, segment: $0, campaign: s.campaign.name, rfm: context.settings.rfm) }
        let finder = StandingEntries(c: c)
        switch s.campaign.plan.trigger {
        case .lifecycle(let stage)?: return try finder.lifecycle(stage, segment: segment, context: resolved.compiler, batch: batch)
        case .birthdayMonth?: return try finder.birthdays(month: day.month, year: day.year, segment: segment, context: resolved.compiler, batch: batch)
        case nil: preconditionFailure("campaign \(s.campaign.name) is standing: it has a trigger")
        }
    }

    /// The saved segment's filter, parsed with the bands in force.
    static func filter(_ c: PostgresConnection, segment: String, campaign: String, rfm: RFMBands) throws -> SegmentFilter {
        guard let saved = try SegmentStore.segments(c, name: segment).first else {
            throw StandingProblem(message: "campaign \(campaign): segment \(segment) no longer exists")
        }
        do {
            return try SegmentFilterParser.parse(saved.filter, rfm: rfm)
        } catch {
            throw StandingProblem(message: "campaign \(campaign): segment \(segment) is no longer valid (\(error))")
        }
    }

    /// Records the entries (campaign members with their arm; touches through the toucher).
    static func touch(
        _ c: PostgresConnection, loyalty: LoyaltyPolicy, _ s: Standing, occasion: Int64, _ entries: [StandingEntries.Entry], actor: String,
        into batch: inout Batch
    ) throws {
        batch.entries = Int64(entries.count)
        let candidates = entries.map {
            CampaignToucher.Candidate(member: $0.member, arm: CampaignAssignment.arm(member: $0.member, seed: s.seed, plan: s.campaign.plan), entry: $0.key)
        }
        // The members a standing campaign took, with their arm, as a launch records its snapshot.
        try c.queryPrepared(
            """
            INSERT INTO campaign_member (campaign_id, member_id, arm)
            SELECT $1, m, a FROM unnest($2::bigint[], $3::text[]) AS t(m, a) ON CONFLICT DO NOTHING
            """, [.int(s.campaign.id), .intArray(candidates.map(\.member)), .textArray(candidates.map(\.arm))])
        let tally = try CampaignToucher(c: c, loyalty: loyalty).touch(s.campaign, occasion: occasion, candidates, actor: actor)
        batch.touched = tally.touched
        batch.heldOut = tally.heldOut
        batch.noConsent = tally.noConsent
        batch.budget = tally.budget
        batch.refused = tally.refused
        batch.already = tally.already
    }
}
