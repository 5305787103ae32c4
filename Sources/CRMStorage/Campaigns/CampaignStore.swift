import CRMDomain
import CRMJSON
import CRMPostgres

/// A campaign as stored, with its plan read back and how many members its launch took.
public struct CampaignRecord: Sendable {
    public var id: Int64
    public var name: String
    public var segment: String?
    /// The plan as `CampaignPlanDefinition` renders it.
    public var definition: JSONValue
    public var plan: CampaignPlan
    public var seed: Int64
    /// `draft`, `running`, `stopped` or `done`.
    public var status: String
    /// Members touched over all occasions (what the budget counts).
    public var touched: Int64
    /// Members taken at launch (0 before).
    public var members: Int64
    public var createdAt: String
    public var createdBy: String
    public var launchedAt: String?
    public var stoppedAt: String?
    public var stoppedBy: String?
}

/// Campaigns for the server's methods (docs/campaigns.md): creating one as a draft with a random
/// seed, reading and listing them, and stopping one. Launching and its waves are in
/// `CampaignStore+Launch`, the touch list in `CampaignStore+Touches`. Each call is one transaction.
public struct CampaignStore: Sendable {
    let pool: PostgresPool
    let codec: PersonalDataCodec

    public init(pool: PostgresPool, codec: PersonalDataCodec) {
        self.pool = pool
        self.codec = codec
    }

    static let columns = """
        c.id, c.name, c.segment, c.definition::text, c.seed, c.status, c.touched,
        (SELECT count(*) FROM campaign_member m WHERE m.campaign_id = c.id), crm_rfc3339(c.created_at), c.created_by,
        crm_rfc3339(c.launched_at), crm_rfc3339(c.stopped_at), c.stopped_by
        """

    static func record(_ row: PostgresRow) throws -> CampaignRecord {
        let name: String = try row.decode(at: 1)
        let definition = try JSONParser.parse(try row.decode(String.self, at: 3))
        return CampaignRecord(
            id: try row.decode(at: 0), name: name, segment: try row.decode(at: 2), definition: definition,
            plan: CampaignPlanDefinition.stored(definition, campaign: name), seed: try row.decode(at: 4), status: try row.decode(at: 5),
            touched: try row.decode(at: 6), members: try row.decode(at: 7), createdAt: try row.decode(at: 8), createdBy: try row.decode(at: 9),
            launchedAt: try row.decode(at: 10), stoppedAt: try row.decode(at: 11), stoppedBy: try row.decode(at: 12))
    }

    static func notFound(_ name: String) -> StorageError { .notFound(reason: .campaignNotFound, message: "no campaign named \(name)") }

    /// The campaign of `name`, locked for the rest of the transaction when `lock`.
    static func campaign(_ c: PostgresConnection, name: String, lock: Bool = false) throws -> CampaignRecord {
        guard let row = try c.queryPrepared("SELECT \(columns) FROM campaign c WHERE c.name = $1 \(lock ? "FOR UPDATE" : "")", [.text(name)]).single
        else { throw notFound(name) }
        return try record(row)
    }

    /// Creates a draft campaign with a fresh random seed. The plan has been checked
    /// (`CampaignPlan.problems`); the segment, when named, must be saved.
    public func create(name: String, segment: String?, plan: CampaignPlan, actor: String) async throws -> CampaignRecord {
        precondition(plan.problems().isEmpty, "the caller checks the plan")
        return try await pool.withTransaction { c in
            if let segment, try c.queryPrepared("SELECT 1 FROM segment WHERE name = $1", [.text(segment)]).single == nil {
                throw StorageError.notFound(reason: .segmentNotFound, message: "no segment named \(segment)")
            }
            for case .coupon(let template) in plan.variants.map(\.action)
            where try c.queryPrepared("SELECT 1 FROM coupon_template WHERE name = $1", [.text(template)]).single == nil {
                throw StorageError.notFound(reason: .templateNotFound, message: "no coupon template named \(template)")
            }
            let definition = JSONSerializer.serialize(CampaignPlanDefinition.render(plan))
            guard
                try c.queryPrepared(
                    """
                    INSERT INTO campaign (name, segment, definition, seed, created_by) VALUES ($1, $2, $3::jsonb, $4, $5)
                    ON CONFLICT (name) DO NOTHING RETURNING id
                    """, [.text(name), .optional(segment), .text(definition), .int(Int64.random(in: .min ... .max)), .text(actor)]
                ).single != nil
            else { throw StorageError.conflict(reason: .campaignExists, message: "a campaign named \(name) exists") }
            try AuditLog.record(c, tokenID: TagStore.tokenID(actor), action: "campaign.create", subject: "campaign:\(name)", detail: [:])
            return try Self.campaign(c, name: name)
        }
    }

    public func get(name: String) async throws -> CampaignRecord {
        try await pool.withConnection { c in try Self.campaign(c, name: name) }
    }

    /// Campaigns by name after `afterName`, of `status` when given.
    public func list(afterName: String?, status: String?, limit: Int) async throws -> [CampaignRecord] {
        try await pool.withConnection { c in
            try c.queryPrepared(
                """
                SELECT \(Self.columns) FROM campaign c WHERE ($1::text IS NULL OR c.name > $1) AND ($2::text IS NULL OR c.status = $2)
                ORDER BY c.name LIMIT $3
                """, [.optional(afterName), .optional(status), .int(Int64(limit))]
            ).map(Self.record)
        }
    }

    /// Stops a draft or running campaign: no batch or wave touches anyone after this. A campaign
    /// already stopped or done is answered as it is.
    public func stop(name: String, actor: String) async throws -> CampaignRecord {
        try await pool.withTransaction { c in
            let found = try Self.campaign(c, name: name, lock: true)
            guard found.status == "draft" || found.status == "running" else { return found }
            try c.queryPrepared(
                "UPDATE campaign SET status = 'stopped', stopped_at = now(), stopped_by = $2 WHERE id = $1", [.int(found.id), .text(actor)])
            try AuditLog.record(c, tokenID: TagStore.tokenID(actor), action: "campaign.stop", subject: "campaign:\(name)", detail: [:])
            return try Self.campaign(c, name: name)
        }
    }
}
