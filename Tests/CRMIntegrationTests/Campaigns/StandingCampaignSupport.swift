import CRMClient
import CRMDomain
import CRMJSON
import CRMPostgres
import CRMProtocol
import CRMStorage

// TEST SUPPORT ONLY. Standing campaigns are written straight into the `campaign` table, because
// `campaign.create` is built in parallel on another branch: the row is what it writes (the plan as
// `CampaignPlanDefinition.render` gives it, a seed), set `running` with the time it started
// (`launched_at`), as a launch of a standing campaign would leave it. Replace with the API once merged.
extension TestDatabase {
    /// Adds a running standing campaign started at `startedAt` (RFC 3339).
    func addStandingCampaign(_ name: String, plan: CampaignPlan, seed: Int64, startedAt: String, segment: String? = nil) throws {
        try withConnection { c in
            _ = try c.query(
                """
                INSERT INTO campaign (name, segment, definition, seed, status, created_by, launched_at)
                VALUES ($1, $2, $3::jsonb, $4, 'running', 'test', $5::timestamptz)
                """,
                [.text(name), .optional(segment), .text(JSONSerializer.serialize(CampaignPlanDefinition.render(plan))), .int(seed), .text(startedAt)])
        }
    }

    /// Each touch of the campaign as `member:status:entry`, by occasion and member.
    func touches(_ campaign: String) throws -> [String] {
        try texts(
            """
            SELECT t.member_id || ':' || t.status || ':' || t.entry FROM campaign_touch t JOIN campaign c ON c.id = t.campaign_id
            WHERE c.name = $1 ORDER BY t.occasion, t.member_id
            """, [.text(campaign)])
    }
}

/// The daily evaluation driven to the end, as the job does it.
enum StandingRun {
    /// Sums of the batches of one day, per campaign (`touched`, `held_out`, `no_consent`, `already`).
    struct Day: Equatable {
        var batches = 0
        var touched: [String: Int64] = [:]
        var heldOut: [String: Int64] = [:]
        var noConsent: [String: Int64] = [:]
        var already: [String: Int64] = [:]
    }

    static func evaluate(_ client: RPCClient, asOf: String, limit: Int64 = 1_000) async throws -> Day {
        var day = Day()
        for _ in 0..<1_000 {
            let r = try await client.call("campaign.evaluate", ["as_of": .string(asOf), "limit": .int(limit)])
            day.batches += 1
            if r["done"] == true { return day }
            let name = r["campaign"]!.stringValue!
            day.touched[name, default: 0] += r["touched"]!.int64Value!
            day.heldOut[name, default: 0] += r["held_out"]!.int64Value!
            day.noConsent[name, default: 0] += r["no_consent"]!.int64Value!
            day.already[name, default: 0] += r["already"]!.int64Value!
        }
        preconditionFailure("the evaluation did not finish")
    }
}
