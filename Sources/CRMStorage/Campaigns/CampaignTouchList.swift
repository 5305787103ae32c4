import CRMDomain
import CRMPostgres

/// One row of a campaign's touch list: who was touched or held out on which occasion, and with what.
public struct CampaignTouchRecord: Sendable {
    public var occasion: Int64
    public var member: Int64
    public var arm: String
    /// `touched`, `held_out`, `no_consent`, `budget` or `refused`.
    public var status: String
    public var at: String
    /// A standing campaign's entry into its stage.
    public var entry: String?
    /// The coupon's code, the notice's id and the points entry's id, as the action gave them.
    public var couponCode: String?
    public var noticeID: Int64?
    public var entryID: Int64?
    /// The member's personal data, for an outside tool that sends the message (the caller masks it).
    public var profile: MemberRecord?
}

/// The touch list (`campaign.touches`): by occasion and member, a page at a time.
extension CampaignStore {
    /// Touches after (`afterOccasion`, `afterMember`), of one occasion and status when given.
    public func touches(
        name: String, occasion: Int64?, status: String?, after: (occasion: Int64, member: Int64)?, limit: Int
    ) async throws -> [CampaignTouchRecord] {
        let codec = self.codec
        return try await pool.withConnection { c in
            let campaign = try Self.campaign(c, name: name)
            var found = try c.queryPrepared(
                """
                SELECT t.occasion, t.member_id, t.arm, t.status, crm_rfc3339(t.at), t.entry, k.code, t.notice_id, t.entry_id
                FROM campaign_touch t LEFT JOIN coupon k ON k.id = t.coupon_id
                WHERE t.campaign_id = $1 AND ($2::int IS NULL OR t.occasion = $2) AND ($3::text IS NULL OR t.status = $3)
                  AND (t.occasion, t.member_id) > ($4::int, $5::bigint)
                ORDER BY t.occasion, t.member_id LIMIT $6
                """,
                [
                    .int(campaign.id), .optional(occasion), .optional(status), .int(after?.occasion ?? 0), .int(after?.member ?? 0),
                    .int(Int64(limit)),
                ]
            ).map { row in
                CampaignTouchRecord(
                    occasion: try row.decode(at: 0), member: try row.decode(at: 1), arm: try row.decode(at: 2), status: try row.decode(at: 3),
                    at: try row.decode(at: 4), entry: try row.decode(at: 5), couponCode: try row.decode(at: 6), noticeID: try row.decode(at: 7),
                    entryID: try row.decode(at: 8))
            }
            let profiles = try MemberStore.loadMany(c, Array(Set(found.map(\.member))), codec: codec, withTags: false)
            let byID = Dictionary(profiles.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for i in found.indices { found[i].profile = byID[found[i].member] }
            return found
        }
    }
}
