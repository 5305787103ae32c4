import CRMDomain
import CRMPostgres

/// Where a campaign's launch stands (`campaign.launch`): the current occasion's totals so far.
public struct CampaignLaunchProgress: Sendable {
    public var campaign: String
    public var status: String
    /// The wave the figures are of (nil: none started, e.g. a standing campaign or a stopped draft).
    public var occasion: Int64?
    public var touched: Int64 = 0
    public var heldOut: Int64 = 0
    public var noConsent: Int64 = 0
    public var budget: Int64 = 0
    public var refused: Int64 = 0
    /// Members the occasion goes through.
    public var total: Int64 = 0
    /// Every batch of the occasion is committed.
    public var done = true
    /// When the next wave may start (waves left, the current one done).
    public var nextWaveAt: String?
    /// No batch or wave is left: the campaign is done or stopped.
    public var finished: Bool
}

/// Launching a campaign in committed batches (docs/campaigns.md). The first call takes the
/// segment's members (a snapshot, each with the arm `CampaignAssignment` gives) and starts wave 1;
/// each call then records one batch of the current wave through `CampaignToucher` and advances its
/// cursor in the same transaction, so a launch stopped anywhere (kill -9 included) goes on where it
/// stopped and touches nobody twice. Once a wave is done and `every_days` have passed, a call
/// starts the next wave over the members who have not responded since the launch and were not
/// excluded for consent. Calls lock the campaign's row, so concurrent callers take turns.
extension CampaignStore {
    /// One step of the launch: the snapshot and wave 1 on the first call, else the next batch (or wave).
    /// `filter` is the campaign's segment, read by the caller (needed on the first call only).
    public func launch(
        name: String, filter: SegmentFilter?, context: MeasureContext, loyalty: LoyaltyPolicy, limit: Int, actor: String
    ) async throws -> CampaignLaunchProgress {
        precondition(limit > 0, "a batch has members")
        return try await pool.withTransaction { c in
            var campaign = try Self.campaign(c, name: name, lock: true)
            // No merge moves members while the snapshot is taken or a batch gives them something.
            try c.lockIdentityShared()
            if campaign.status == "draft" { try Self.start(c, &campaign, filter: filter, context: context) }
            // A standing campaign's occasions are its daily evaluations, not batches of a launch.
            if campaign.plan.trigger != nil {
                return CampaignLaunchProgress(campaign: name, status: campaign.status, finished: campaign.status != "running")
            }
            guard campaign.status == "running", var occasion = try Self.latest(c, campaign.id) else {
                return try Self.progress(c, campaign, try Self.latest(c, campaign.id))
            }
            if occasion.done {
                guard try Self.waveDue(c, campaign, occasion) else { return try Self.progress(c, campaign, occasion) }
                occasion = try Self.startWave(c, campaign, number: occasion.number + 1)
            }
            try Self.batch(c, campaign, occasion, loyalty: loyalty, limit: limit, actor: actor)
            try Self.finishIfLast(c, &campaign)
            return try Self.progress(c, campaign, try Self.latest(c, campaign.id))
        }
    }

    /// An occasion's row.
    struct Occasion {
        var number: Int64
        var startedAt: String
        var cursor: Int64
        var done: Bool
    }

    static func latest(_ c: PostgresConnection, _ campaign: Int64) throws -> Occasion? {
        try c.queryPrepared(
            "SELECT occasion, crm_rfc3339(started_at), cursor, done FROM campaign_occasion WHERE campaign_id = $1 ORDER BY occasion DESC LIMIT 1",
            [.int(campaign)]
        ).single.map { Occasion(number: try $0.decode(at: 0), startedAt: try $0.decode(at: 1), cursor: try $0.decode(at: 2), done: try $0.decode(at: 3)) }
    }

    /// Draft → running: a standing campaign only starts (its daily evaluation touches members);
    /// a launched one takes its segment's members with their arms and starts wave 1.
    static func start(_ c: PostgresConnection, _ campaign: inout CampaignRecord, filter: SegmentFilter?, context: MeasureContext) throws {
        try c.queryPrepared("UPDATE campaign SET status = 'running', launched_at = now() WHERE id = $1", [.int(campaign.id)])
        campaign.status = "running"
        guard campaign.plan.trigger == nil else { return }
        guard let filter else { preconditionFailure("a campaign without a trigger has a segment, read by the caller") }
        try MeasureContext.prepare(c)
        let resolved = try context.resolve(c)
        let q = try SegmentCompiler.compile(filter, context: resolved.compiler, asOf: resolved.asOf, on: c)
        let ids = try c.query("SELECT id FROM (\(q.sql)) seg ORDER BY id", q.params).map { try $0.decode(Int64.self, at: 0) }
        for chunk in stride(from: 0, to: ids.count, by: 10_000) {
            let part = Array(ids[chunk..<min(chunk + 10_000, ids.count)])
            let arms = part.map { CampaignAssignment.arm(member: $0, seed: campaign.seed, plan: campaign.plan) }
            try c.queryPrepared(
                "INSERT INTO campaign_member (campaign_id, member_id, arm) SELECT $1, m, a FROM unnest($2::bigint[], $3::text[]) AS t(m, a)",
                [.int(campaign.id), .intArray(part), .textArray(arms)])
        }
        try c.queryPrepared(
            "INSERT INTO campaign_occasion (campaign_id, occasion, total) VALUES ($1, 1, $2)", [.int(campaign.id), .int(Int64(ids.count))])
    }

    /// Whether the wave after `occasion` may start now: waves are left and `every_days` have passed.
    static func waveDue(_ c: PostgresConnection, _ campaign: CampaignRecord, _ occasion: Occasion) throws -> Bool {
        guard let waves = campaign.plan.waves, occasion.number < 1 + waves.retouches else { return false }
        return try c.queryPrepared(
            "SELECT started_at + make_interval(days => $3::int) <= now() FROM campaign_occasion WHERE campaign_id = $1 AND occasion = $2",
            [.int(campaign.id), .int(occasion.number), .int(waves.everyDays)]
        ).single!.decode(at: 0)
    }

    /// Starts wave `number` over the members it will consider (non-responders, consent not refused before).
    static func startWave(_ c: PostgresConnection, _ campaign: CampaignRecord, number: Int64) throws -> Occasion {
        try c.queryPrepared("INSERT INTO campaign_occasion (campaign_id, occasion) VALUES ($1, $2)", [.int(campaign.id), .int(number)])
        let (sql, params) = eligible(campaign, occasion: number, afterMember: 0, limit: nil)
        let total: Int64 = try c.queryPrepared("SELECT count(*) FROM (\(sql)) e", params).single!.decode(at: 0)
        try c.queryPrepared(
            "UPDATE campaign_occasion SET total = $3 WHERE campaign_id = $1 AND occasion = $2", [.int(campaign.id), .int(number), .int(total)])
        return try latest(c, campaign.id)!
    }

    /// The statement listing the members wave `occasion` considers after `afterMember`, by id:
    /// wave 1 all the campaign's members; a later wave those with no paid order in scope (not wholly
    /// refunded, by any account now theirs) since the launch, before the wave started, and not
    /// excluded for want of consent on an earlier wave.
    static func eligible(_ campaign: CampaignRecord, occasion: Int64, afterMember: Int64, limit: Int?) -> (String, [PostgresValue]) {
        var params: [PostgresValue] = [.int(campaign.id), .int(afterMember)]
        var later = ""
        if occasion > 1 {
            let scope = campaign.plan.scope
            params += [.int(occasion), .textArray(scope.shops), .textArray(scope.channels.map(\.rawValue))]
            later = """
                AND NOT EXISTS (SELECT 1 FROM campaign_touch t WHERE t.campaign_id = $1 AND t.member_id = cm.member_id AND t.occasion < $3
                                AND t.status = 'no_consent')
                AND NOT EXISTS (
                    SELECT 1 FROM account a JOIN order_key o ON o.account_id = a.id JOIN shop s ON s.id = o.shop_id
                    WHERE a.member_id = cm.member_id AND o.refunded_fen < o.amount_fen
                      AND o.paid_at >= (SELECT launched_at FROM campaign WHERE id = $1)
                      AND o.paid_at < (SELECT started_at FROM campaign_occasion WHERE campaign_id = $1 AND occasion = $3)
                      AND (cardinality($4::text[]) = 0 OR s.code = ANY($4::text[]))
                      AND (cardinality($5::text[]) = 0 OR o.channel = ANY($5::text[])))
                """
        }
        if let limit { params.append(.int(Int64(limit))) }
        let sql = """
            SELECT cm.member_id, cm.arm FROM campaign_member cm
            WHERE cm.campaign_id = $1 AND cm.member_id > $2 \(later)
            ORDER BY cm.member_id \(limit == nil ? "" : "LIMIT $\(params.count)")
            """
        return (sql, params)
    }

    /// Records the next batch of the occasion and moves its cursor and tally on.
    static func batch(_ c: PostgresConnection, _ campaign: CampaignRecord, _ occasion: Occasion, loyalty: LoyaltyPolicy, limit: Int, actor: String) throws {
        let (sql, params) = eligible(campaign, occasion: occasion.number, afterMember: occasion.cursor, limit: limit + 1)
        let rows = try c.queryPrepared(sql, params).map { (try $0.decode(Int64.self, at: 0), try $0.decode(String.self, at: 1)) }
        let batch = rows.prefix(limit)
        let tally = try CampaignToucher(c: c, loyalty: loyalty).touch(
            .init(id: campaign.id, name: campaign.name, plan: campaign.plan), occasion: occasion.number,
            batch.map { .init(member: $0.0, arm: $0.1, entry: nil) }, actor: actor)
        let done = rows.count <= limit
        try c.queryPrepared(
            """
            UPDATE campaign_occasion SET cursor = $3, done = $4, finished_at = CASE WHEN $4 THEN now() END,
                touched = touched + $5, held_out = held_out + $6, no_consent = no_consent + $7, budget = budget + $8, refused = refused + $9
            WHERE campaign_id = $1 AND occasion = $2
            """,
            [
                .int(campaign.id), .int(occasion.number), .int(batch.last?.0 ?? occasion.cursor), .bool(done), .int(tally.touched),
                .int(tally.heldOut), .int(tally.noConsent), .int(tally.budget), .int(tally.refused),
            ])
    }

    /// A campaign whose last wave is done is `done`.
    static func finishIfLast(_ c: PostgresConnection, _ campaign: inout CampaignRecord) throws {
        guard let occasion = try latest(c, campaign.id), occasion.done, occasion.number >= 1 + (campaign.plan.waves?.retouches ?? 0) else { return }
        try c.queryPrepared("UPDATE campaign SET status = 'done' WHERE id = $1", [.int(campaign.id)])
        campaign.status = "done"
    }

    /// The answer: the occasion's tally, and when the next wave is due.
    static func progress(_ c: PostgresConnection, _ campaign: CampaignRecord, _ occasion: Occasion?) throws -> CampaignLaunchProgress {
        var p = CampaignLaunchProgress(campaign: campaign.name, status: campaign.status, finished: campaign.status == "done" || campaign.status == "stopped")
        guard let occasion else { return p }
        let every = Int64(campaign.plan.waves?.everyDays ?? 0)
        let row = try c.queryPrepared(
            """
            SELECT touched, held_out, no_consent, budget, refused, total, done, crm_rfc3339(started_at + make_interval(days => $3::int))
            FROM campaign_occasion WHERE campaign_id = $1 AND occasion = $2
            """, [.int(campaign.id), .int(occasion.number), .int(every)]
        ).single!
        p.occasion = occasion.number
        (p.touched, p.heldOut, p.noConsent, p.budget, p.refused, p.total) = (
            try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2), try row.decode(at: 3), try row.decode(at: 4), try row.decode(at: 5)
        )
        p.done = try row.decode(at: 6)
        if p.done && !p.finished && campaign.plan.waves != nil { p.nextWaveAt = try row.decode(at: 7) }
        return p
    }
}

/// One occasion's row as `campaign.get` shows it.
public struct CampaignOccasionRecord: Sendable {
    public var occasion: Int64
    public var startedAt: String
    public var finishedAt: String?
    public var total: Int64
    public var done: Bool
    public var touched: Int64
    public var heldOut: Int64
    public var noConsent: Int64
    public var budget: Int64
    public var refused: Int64
}

extension CampaignStore {
    /// The campaign and its occasions in order.
    public func occasions(name: String) async throws -> (CampaignRecord, [CampaignOccasionRecord]) {
        try await pool.withConnection { c in
            let campaign = try Self.campaign(c, name: name)
            let rows = try c.queryPrepared(
                """
                SELECT occasion, crm_rfc3339(started_at), crm_rfc3339(finished_at), total, done, touched, held_out, no_consent, budget, refused
                FROM campaign_occasion WHERE campaign_id = $1 ORDER BY occasion
                """, [.int(campaign.id)]
            ).map { r in
                CampaignOccasionRecord(
                    occasion: try r.decode(at: 0), startedAt: try r.decode(at: 1), finishedAt: try r.decode(at: 2), total: try r.decode(at: 3),
                    done: try r.decode(at: 4), touched: try r.decode(at: 5), heldOut: try r.decode(at: 6), noConsent: try r.decode(at: 7),
                    budget: try r.decode(at: 8), refused: try r.decode(at: 9))
            }
            return (campaign, rows)
        }
    }
}
