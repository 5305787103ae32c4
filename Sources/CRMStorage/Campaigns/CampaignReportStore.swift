import CRMDomain
import CRMJSON
import CRMPostgres

/// What a campaign did, per occasion (wave) and in total, per arm: read in one consistent
/// snapshot (`CampaignReportSQL`), so the figures of a running campaign add up.
public struct CampaignReportStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// The campaign as the report shows it.
    public struct Campaign: Sendable {
        public var name: String
        public var segment: String?
        public var status: String
        public var plan: CampaignPlan
        public var createdAt: String
        public var launchedAt: String?
        public var stoppedAt: String?
    }

    /// One occasion: when it started, when its window ends, whether its batches are done.
    public struct Occasion: Sendable {
        public var occasion: Int64
        public var startedAt: String
        public var windowEndsAt: String
        /// The window has not ended yet: responses may still come.
        public var windowOpen: Bool
        public var total: Int64
        public var done: Bool
        /// Figures by arm (variant names and `control`).
        public var arms: [String: CampaignArmFigures]
    }

    public struct Report: Sendable {
        public var campaign: Campaign
        /// The database's time of the report.
        public var asOf: String
        public var occasions: [Occasion]
        /// Figures by arm over the occasions reported.
        public var total: [String: CampaignArmFigures]
    }

    /// The report of campaign `name`, over every occasion or only `occasion`.
    public func report(name: String, occasion: Int64?) async throws -> Report {
        try await pool.withTransaction { c in
            try c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            // As the reports: compiling the one-pass aggregation costs more than it saves.
            try MeasureContext.prepare(c)
            guard
                let row = try c.queryPrepared(
                    """
                    SELECT id, name, segment, status, definition::text, crm_rfc3339(created_at), crm_rfc3339(launched_at), crm_rfc3339(stopped_at),
                           crm_rfc3339(now())
                    FROM campaign WHERE name = $1
                    """, [.text(name)]
                ).single
            else { throw StorageError.notFound(reason: .campaignNotFound, message: "no campaign named \(name)") }
            let id: Int64 = try row.decode(at: 0)
            let definition = try JSONParser.parse(try row.decode(String.self, at: 4))
            let campaign = Campaign(
                name: try row.decode(at: 1), segment: try row.decode(at: 2), status: try row.decode(at: 3),
                plan: CampaignPlanDefinition.stored(definition, campaign: name), createdAt: try row.decode(at: 5), launchedAt: try row.decode(at: 6),
                stoppedAt: try row.decode(at: 7))
            var occasions = try Self.occasions(c, id, campaign.plan.windowDays, occasion)
            if let occasion, occasions.isEmpty {
                throw StorageError.notFound(reason: .campaignNotFound, message: "campaign \(name) has no occasion \(occasion)")
            }
            let figures = try Self.figures(c, id, campaign.plan, occasion)
            for i in occasions.indices { occasions[i].arms = figures.byOccasion[occasions[i].occasion] ?? [:] }
            return Report(campaign: campaign, asOf: try row.decode(at: 8), occasions: occasions, total: figures.total)
        }
    }

    static func occasions(_ c: PostgresConnection, _ id: Int64, _ windowDays: Int64, _ only: Int64?) throws -> [Occasion] {
        try c.queryPrepared(
            """
            SELECT occasion, crm_rfc3339(started_at), crm_rfc3339(started_at + make_interval(days => $2::int)),
                   started_at + make_interval(days => $2::int) > now(), total, done
            FROM campaign_occasion WHERE campaign_id = $1 AND ($3::int IS NULL OR occasion = $3::int) ORDER BY occasion
            """, [.int(id), .int(windowDays), .optional(only)]
        ).map { r in
            Occasion(
                occasion: try r.decode(at: 0), startedAt: try r.decode(at: 1), windowEndsAt: try r.decode(at: 2), windowOpen: try r.decode(at: 3),
                total: try r.decode(at: 4), done: try r.decode(at: 5), arms: [:])
        }
    }

    static func figures(
        _ c: PostgresConnection, _ id: Int64, _ plan: CampaignPlan, _ only: Int64?
    ) throws -> (byOccasion: [Int64: [String: CampaignArmFigures]], total: [String: CampaignArmFigures]) {
        var byOccasion: [Int64: [String: CampaignArmFigures]] = [:]
        var total: [String: CampaignArmFigures] = [:]
        let rows = try c.queryPrepared(
            CampaignReportSQL.statement,
            [.int(id), .int(plan.windowDays), .optional(only), .textArray(plan.scope.shops), .textArray(plan.scope.channels.map(\.rawValue))])
        for r in rows {
            var f = CampaignArmFigures()
            f.members = try r.decode(at: 2)
            f.touched = try r.decode(at: 3)
            f.refused = try r.decode(at: 4)
            f.budget = try r.decode(at: 5)
            f.noConsent = try r.decode(at: 6)
            f.merged = try r.decode(at: 7)
            f.responders = try r.decode(at: 8)
            f.orders = try r.decode(at: 9)
            f.gmvFen = try r.decode(at: 10)
            f.oldCustomerGMVFen = try r.decode(at: 11)
            f.couponsIssued = try r.decode(at: 12)
            f.couponsRedeemed = try r.decode(at: 13)
            f.discountFen = try r.decode(at: 14)
            f.points = try r.decode(at: 15)
            let arm: String = try r.decode(at: 1)
            if let occasion: Int64 = try r.decode(at: 0) {
                byOccasion[occasion, default: [:]][arm] = f
            } else {
                total[arm] = f
            }
        }
        return (byOccasion, total)
    }
}
