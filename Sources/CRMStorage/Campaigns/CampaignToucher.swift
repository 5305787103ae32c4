import CRMDomain
import CRMJSON
import CRMPostgres

/// Touches or holds out members of a campaign on one occasion, on the caller's connection and in
/// its transaction (a launch batch, a wave batch, a standing campaign's daily batch): the one place
/// that decides, per member, `touched`, `held_out`, `no_consent`, `budget` or `refused`, records it
/// once (a member already recorded on the occasion is left alone, so a resumed or concurrent batch
/// touches nobody twice) and carries out the arm's action for those touched — a coupon
/// (CouponBook, source `campaign`), points (ledger kind `gift`, once per occasion), a notice
/// (`campaign`) or nothing beyond the touch list. The campaign's row is locked, so its budget of
/// touches is never passed.
struct CampaignToucher {
    let c: PostgresConnection
    let loyalty: LoyaltyPolicy

    /// The campaign as the toucher needs it.
    struct Campaign {
        var id: Int64
        var name: String
        var plan: CampaignPlan
    }

    /// A member to consider: their arm (`CampaignAssignment`), and for a standing campaign the entry
    /// that brought them in (touched once per entry).
    struct Candidate {
        var member: Int64
        var arm: String
        var entry: String?
    }

    /// How the candidates were recorded.
    struct Tally: Equatable {
        var touched: Int64 = 0
        var heldOut: Int64 = 0
        var noConsent: Int64 = 0
        var budget: Int64 = 0
        var refused: Int64 = 0
        /// Already recorded on this occasion (or for this entry) before: left alone.
        var already: Int64 = 0
        /// Merged into another member since they were taken: passed over, nothing recorded (their
        /// survivor holds what they had; giving an id that holds nothing would strand the gift).
        var mergedAway: Int64 = 0
    }

    func touch(_ campaign: Campaign, occasion: Int64, _ candidates: [Candidate], actor: String) throws -> Tally {
        precondition(Set(candidates.map(\.member)).count == candidates.count, "a member is considered once per batch")
        var tally = Tally()
        guard !candidates.isEmpty else { return tally }
        let touchedSoFar: Int64 = try c.queryPrepared("SELECT touched FROM campaign WHERE id = $1 FOR NO KEY UPDATE", [.int(campaign.id)]).single!
            .decode(at: 0)
        // Those recorded before are set aside before the budget is shared out, so they take no
        // share of it (under the campaign's lock, nobody records them meanwhile).
        let recorded = try self.recorded(campaign, occasion, candidates)
        let all = candidates.count
        let unrecorded = candidates.filter { !recorded.contains($0.member) }
        tally.already = Int64(all - unrecorded.count)
        // The caller holds the identity lock, so who is live cannot change before commit.
        let live = try self.live(unrecorded.map(\.member))
        let candidates = unrecorded.filter { live.contains($0.member) }
        tally.mergedAway = Int64(unrecorded.count - candidates.count)
        guard !candidates.isEmpty else { return tally }
        let consenting = try consented(candidates.map(\.member), channel: campaign.plan.consentChannel)
        var left = campaign.plan.budget.map { max(0, $0 - touchedSoFar) }
        var status: [String] = []
        for cand in candidates {
            let s: String
            if !consenting.contains(cand.member) {
                s = "no_consent"
            } else if cand.arm == CampaignPlan.control {
                s = "held_out"
            } else if let l = left, l == 0 {
                s = "budget"
            } else {
                s = "touched"
                left = left.map { $0 - 1 }
            }
            status.append(s)
        }
        let fresh = try record(campaign, occasion, candidates, status)
        tally.already += Int64(candidates.count - fresh.count)
        var touchedByArm: [String: [Int64]] = [:]
        for (i, cand) in candidates.enumerated() where fresh.contains(cand.member) {
            switch status[i] {
            case "touched": touchedByArm[cand.arm, default: []].append(cand.member)
            case "held_out": tally.heldOut += 1
            case "no_consent": tally.noConsent += 1
            default: tally.budget += 1
            }
        }
        for (arm, members) in touchedByArm.sorted(by: { $0.key < $1.key }) {
            guard let variant = campaign.plan.variant(arm) else { preconditionFailure("arm \(arm) is a variant of campaign \(campaign.name)") }
            let refused = try act(variant, members, campaign, occasion, actor: actor)
            tally.refused += Int64(refused)
            tally.touched += Int64(members.count - refused)
        }
        if tally.touched > 0 {
            try c.queryPrepared("UPDATE campaign SET touched = touched + $2 WHERE id = $1", [.int(campaign.id), .int(tally.touched)])
        }
        return tally
    }

    /// The members among `members` not merged into another.
    private func live(_ members: [Int64]) throws -> Set<Int64> {
        guard !members.isEmpty else { return [] }
        return Set(
            try c.queryPrepared("SELECT id FROM member WHERE id = ANY($1::bigint[]) AND merged_into IS NULL", [.intArray(members)]).map {
                try $0.decode(Int64.self, at: 0)
            })
    }

    /// Live members among `members` who gave marketing consent on `channel` (any channel when nil).
    private func consented(_ members: [Int64], channel: String?) throws -> Set<Int64> {
        Set(
            try c.queryPrepared(
                """
                SELECT DISTINCT member_id FROM marketing_consent
                WHERE member_id = ANY($1::bigint[]) AND granted AND ($2::text IS NULL OR channel = $2)
                """, [.intArray(members), .optional(channel)]
            ).map { try $0.decode(Int64.self, at: 0) })
    }

    /// Candidates already recorded on this occasion, or for their entry on any occasion.
    private func recorded(_ campaign: Campaign, _ occasion: Int64, _ candidates: [Candidate]) throws -> Set<Int64> {
        Set(
            try c.queryPrepared(
                """
                SELECT t.m FROM unnest($3::bigint[], $4::text[]) AS t(m, e)
                WHERE EXISTS (SELECT 1 FROM campaign_touch x WHERE x.member_id = t.m AND x.campaign_id = $1 AND (x.occasion = $2 OR x.entry = t.e))
                """, [.int(campaign.id), .int(occasion), .intArray(candidates.map(\.member)), .textArray(candidates.map(\.entry))]
            ).map { try $0.decode(Int64.self, at: 0) })
    }

    /// Writes the touch rows; returns the members recorded now (not before, on this occasion or entry).
    private func record(_ campaign: Campaign, _ occasion: Int64, _ candidates: [Candidate], _ status: [String]) throws -> Set<Int64> {
        Set(
            try c.queryPrepared(
                """
                INSERT INTO campaign_touch (campaign_id, occasion, member_id, arm, status, entry)
                SELECT $1, $2, m, a, s, e FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS t(m, a, s, e, n)
                ORDER BY n
                ON CONFLICT DO NOTHING
                RETURNING member_id
                """,
                [
                    .int(campaign.id), .int(occasion), .intArray(candidates.map(\.member)), .textArray(candidates.map(\.arm)), .textArray(status),
                    .textArray(candidates.map(\.entry)),
                ]
            ).map { try $0.decode(Int64.self, at: 0) })
    }

    /// Carries out a variant's action for its touched members; returns how many were refused (their
    /// touch is marked `refused`).
    private func act(_ variant: CampaignPlan.Variant, _ members: [Int64], _ campaign: Campaign, _ occasion: Int64, actor: String) throws -> Int {
        let cause = "campaign:\(campaign.id):\(occasion)"
        var given: [(member: Int64, column: String, id: Int64)] = []
        var refused: [Int64] = []
        switch variant.action {
        case .coupon(let template):
            let book = CouponBook(c: c, offsetMinutes: loyalty.points.offsetMinutes)
            let results = try book.issue(template, members.map { .init(member: $0, sourceRef: cause) }, source: .campaign, actor: actor, marketing: true)
            for (member, result) in zip(members, results) {
                switch result {
                case .success(let coupon): given.append((member, "coupon_id", coupon.id))
                case .failure: refused.append(member)
                }
            }
        case .points(let points):
            let done = try PointsLedger(c: c, policy: loyalty.points).grantMany(
                points, to: members, kind: "gift", detail: ["campaign": .string(campaign.name)], actor: actor, reason: "campaign \(campaign.name)",
                period: cause)
            given = members.compactMap { m in done.entries[m].map { (m, "entry_id", $0) } }
            refused = done.refused
        case .notice(let message):
            let body: JSONObject = ["campaign": .string(campaign.name), "variant": .string(variant.name), "message": .string(message)]
            let notices = members.map { NoticeOutbox.Notice(member: $0, kind: .campaign, body: body, marketing: true, dedupe: cause) }
            given = try NoticeOutbox(c: c).written(notices).map { ($0.member, "notice_id", $0.id) }
        case .list:
            break
        }
        try link(campaign, occasion, given, refused)
        return refused.count
    }

    private func link(_ campaign: Campaign, _ occasion: Int64, _ given: [(member: Int64, column: String, id: Int64)], _ refused: [Int64]) throws {
        for column in ["coupon_id", "entry_id", "notice_id"] {
            let rows = given.filter { $0.column == column }
            guard !rows.isEmpty else { continue }
            try c.queryPrepared(
                """
                UPDATE campaign_touch t SET \(column) = v.id FROM unnest($3::bigint[], $4::bigint[]) AS v(m, id)
                WHERE t.campaign_id = $1 AND t.occasion = $2 AND t.member_id = v.m
                """, [.int(campaign.id), .int(occasion), .intArray(rows.map(\.member)), .intArray(rows.map(\.id))])
        }
        if !refused.isEmpty {
            try c.queryPrepared(
                "UPDATE campaign_touch SET status = 'refused' WHERE campaign_id = $1 AND occasion = $2 AND member_id = ANY($3::bigint[])",
                [.int(campaign.id), .int(occasion), .intArray(refused)])
        }
    }
}
