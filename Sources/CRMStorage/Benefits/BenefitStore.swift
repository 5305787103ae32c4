import CRMDomain
import CRMJSON
import CRMPostgres

/// What `member.benefits` reads of a member: the level held, spendable points and usable coupons.
public struct MemberBenefitsRecord: Sendable {
    public var member: Int64
    /// The id asked for, when it was merged into `member`.
    public var mergedFrom: Int64?
    public var levelCode: String?
    public var balance: Int64
    /// Usable coupons not yet expired, the first to expire first.
    public var coupons: [HeldCoupon]
    /// The database's time of the read (UTC seconds): coupons are judged at it.
    public var now: Int64
}

/// A coupon a member holds, with the terms of the version it was issued under.
public struct HeldCoupon: Sendable {
    public var code: String
    public var template: CouponTemplate
    public var standing: CouponCheck.Standing
}

/// Level benefits: the checkout's read (`member.benefits`) and the daily birthday gifts.
public struct BenefitStore: Sendable {
    let pool: PostgresPool
    let codec: PersonalDataCodec

    public init(pool: PostgresPool, codec: PersonalDataCodec) {
        self.pool = pool
        self.codec = codec
    }

    /// Coupons `member.benefits` lists at most (the first to expire).
    public static let maxCoupons = 200

    /// The member a lookup names, with level, points and usable coupons: read-only, in three short
    /// indexed statements after the lookup (the checkout calls it on every sale).
    public func memberBenefits(_ lookup: MemberLookup) async throws -> MemberBenefitsRecord {
        let codec = self.codec
        return try await pool.withConnection { c in
            let (member, asked) = try MemberStore.resolve(c, lookup, codec: codec)
            guard let standing = try PointsStore.standing(c, [member])[member] else {
                preconditionFailure("a resolved member has a standing")
            }
            var record = MemberBenefitsRecord(
                member: member, mergedFrom: asked.flatMap { $0 == member ? nil : $0 }, levelCode: standing.level, balance: standing.balance,
                coupons: [], now: 0)
            // One row per coupon, or one row of NULLs with the time when there is none.
            let rows = try c.queryPrepared(
                """
                SELECT n.t, h.code, h.template, h.version, h.definition, h.status, h.valid_from, h.expires_at
                FROM (SELECT floor(extract(epoch FROM now()))::bigint) n(t) LEFT JOIN LATERAL (
                    SELECT c.code, c.template, v.version, v.definition::text AS definition, c.status,
                           extract(epoch FROM c.valid_from)::bigint AS valid_from, extract(epoch FROM c.expires_at)::bigint AS expires_at
                    FROM coupon c JOIN coupon_template_version v ON v.id = c.template_id
                    WHERE c.member_id = $1 AND c.status = 'usable' AND c.expires_at > now()
                    ORDER BY c.expires_at, c.code LIMIT $2) h ON true
                """, [.int(member), .int(Int64(Self.maxCoupons))])
            record.now = try rows.first!.decode(at: 0)
            record.coupons = try rows.compactMap { row in
                guard let code: String = try row.decode(at: 1) else { return nil }
                let template = CouponTemplateDefinition.stored(
                    try JSONParser.parse(try row.decode(String.self, at: 4)), name: try row.decode(at: 2), version: try row.decode(at: 3))
                guard let status = CouponStatus(rawValue: try row.decode(at: 5)) else { preconditionFailure("coupon \(code) has an unknown status") }
                return HeldCoupon(
                    code: code, template: template,
                    standing: CouponCheck.Standing(status: status, validFrom: try row.decode(at: 6), expiresAt: try row.decode(at: 7)))
            }
            return record
        }
    }
}

/// What one batch of `benefit.birthdays` did.
public struct BirthdayBatch: Sendable {
    public var members: Int64
    public var pointsGifts: Int64
    public var points: Int64
    public var couponGifts: Int64
    public var skipped: Int64
    /// Where the next batch starts (nil: done).
    public var next: Int64?
}

extension BenefitStore {
    /// One batch of the birthday gifts due on `asOf` (never after today): up to `limit` live
    /// members after `after`, in one transaction. Gifts are once a year, so a batch run again (or
    /// a run restarted from the beginning) gives nothing twice.
    public func birthdays(asOf: String, loyalty: LoyaltyPolicy, after: Int64, limit: Int, actor: String) async throws -> BirthdayBatch {
        let day = try AsOfDate(asOf, offsetMinutes: loyalty.points.offsetMinutes)
        try await day.requireStarted(pool, offsetMinutes: loyalty.points.offsetMinutes)
        let codec = self.codec
        let o = try await pool.withTransaction { c in
            try BirthdayGifts(c: c, loyalty: loyalty, codec: codec).batch(asOf: day.date, after: after, limit: limit, actor: actor)
        }
        return BirthdayBatch(
            members: o.members, pointsGifts: o.pointsGifts, points: o.points, couponGifts: o.couponGifts, skipped: o.skipped,
            next: o.members < Int64(limit) ? nil : o.last)
    }
}
