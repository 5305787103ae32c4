import CRMDomain
import CRMJSON
import CRMPostgres

/// The daily warnings (docs/notices.md): members whose points expire soon get a
/// `points_expiring` notice, holders of usable coupons that expire soon a `coupon_expiring` one.
/// Each batch is its own transaction and each cause is told once (`dedupe`: the points' first
/// expiry day, the coupon's code), so the job may stop anywhere and simply run again.
public struct NoticeScan: Sendable {
    let pool: PostgresPool
    public static let maxBatch = 10_000

    public init(pool: PostgresPool) { self.pool = pool }

    /// Where a scan goes on: members after an id (points), then coupons after an id.
    public enum Cursor: Equatable, Sendable {
        case points(afterMember: Int64)
        case coupons(afterCoupon: Int64)

        public static let start = Cursor.points(afterMember: 0)

        /// `p:<member id>` or `c:<coupon id>`.
        public var text: String {
            switch self {
            case .points(let id): "p:\(id)"
            case .coupons(let id): "c:\(id)"
            }
        }

        public init?(text: String) {
            let parts = text.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let id = Int64(parts[1]), id >= 0 else { return nil }
            switch parts[0] {
            case "p": self = .points(afterMember: id)
            case "c": self = .coupons(afterCoupon: id)
            default: return nil
            }
        }
    }

    /// What the scan looks for, as of the end of one local day.
    public struct Window: Sendable {
        public var asOf: String
        public var pointsDays: Int
        public var couponDays: Int
        public var offsetMinutes: Int
        public init(asOf: String, pointsDays: Int, couponDays: Int, offsetMinutes: Int) {
            self.asOf = asOf
            self.pointsDays = pointsDays
            self.couponDays = couponDays
            self.offsetMinutes = offsetMinutes
        }
    }

    /// What one batch did.
    public struct Batch: Sendable {
        public var pointsExpiring: Int64 = 0
        public var couponExpiring: Int64 = 0
        /// Members (points) or coupons looked at.
        public var scanned: Int64 = 0
        /// Where the next batch starts; nil when the scan is done.
        public var next: Cursor?
    }

    /// One batch of up to `limit` members or coupons from `cursor`.
    public func scan(_ window: Window, cursor: Cursor, limit: Int) async throws -> Batch {
        precondition((1...Self.maxBatch).contains(limit), "batch size checked by the caller")
        let day = try AsOfDate(window.asOf, offsetMinutes: window.offsetMinutes)
        try await day.requireStarted(pool, offsetMinutes: window.offsetMinutes)
        return try await pool.withTransaction { c in
            switch cursor {
            case .points(let after): try Self.points(c, window, from: day.end, after: after, limit: limit)
            case .coupons(let after): try Self.coupons(c, window, from: day.end, after: after, limit: limit)
            }
        }
    }

    /// Members with points expiring after the end of `as_of` and within the window: one notice each,
    /// about the first day points expire, with every day's points and the balance.
    static func points(_ c: PostgresConnection, _ window: Window, from: Int64, after: Int64, limit: Int) throws -> Batch {
        let until = from + Int64(window.pointsDays) * 86_400
        let rows = try c.queryPrepared(
            """
            WITH picked AS (SELECT DISTINCT member_id FROM points_lot
                            WHERE member_id > $3 AND remaining > 0 AND expires_at > $1::timestamptz AND expires_at <= $2::timestamptz
                            ORDER BY member_id LIMIT $5)
            SELECT member_id, sum(pts)::bigint, min(day), string_agg(day || ':' || pts, ',' ORDER BY day) FROM (
                SELECT member_id, to_char((expires_at - interval '1 second') AT TIME ZONE $4::interval, 'YYYY-MM-DD') AS day, sum(remaining) AS pts
                FROM points_lot WHERE member_id IN (SELECT member_id FROM picked)
                  AND remaining > 0 AND expires_at > $1::timestamptz AND expires_at <= $2::timestamptz
                GROUP BY 1, 2) d
            GROUP BY member_id ORDER BY member_id
            """,
            [
                .text(CivilTime.rfc3339(from)), .text(CivilTime.rfc3339(until)), .int(after), .text(CivilTime.offsetText(window.offsetMinutes)),
                .int(Int64(limit)),
            ])
        let members = try rows.map { try $0.decode(Int64.self, at: 0) }
        let standing = try PointsStore.standing(c, members)
        let notices = try rows.map { row in
            let member: Int64 = try row.decode(at: 0)
            let first: String = try row.decode(at: 2)
            let days: [JSONValue] = try row.decode(String.self, at: 3).split(separator: ",").map { pair in
                let parts = pair.split(separator: ":")
                return ["date": .string(String(parts[0])), "points": .int(Int64(parts[1]) ?? 0)]
            }
            let body: JSONObject = [
                "points": .int(try row.decode(Int64.self, at: 1)), "expires_on": .string(first), "expiring": .array(days),
                "balance": .int(standing[member]?.balance ?? 0),
            ]
            return NoticeOutbox.Notice(member: member, kind: .pointsExpiring, body: body, dedupe: "points_expiring:\(first)")
        }
        var batch = Batch(scanned: Int64(members.count))
        batch.pointsExpiring = Int64(try NoticeOutbox(c: c).write(notices))
        batch.next = members.count < limit ? .coupons(afterCoupon: 0) : .points(afterMember: members.last ?? after)
        return batch
    }

    /// Usable coupons expiring within the window (and not yet): one notice each, to their holder.
    static func coupons(_ c: PostgresConnection, _ window: Window, from: Int64, after: Int64, limit: Int) throws -> Batch {
        let until = from + Int64(window.couponDays) * 86_400
        let rows = try c.queryPrepared(
            """
            SELECT k.id, k.code, k.member_id, extract(epoch FROM k.expires_at)::bigint, v.name, v.version, v.definition::text
            FROM coupon k JOIN coupon_template_version v ON v.id = k.template_id
            WHERE k.id > $1 AND k.status = 'usable' AND k.expires_at > now() AND k.expires_at <= $2::timestamptz
            ORDER BY k.id LIMIT $3
            """, [.int(after), .text(CivilTime.rfc3339(until)), .int(Int64(limit))])
        let notices = try rows.map { row in
            let template = CouponTemplateDefinition.stored(
                try JSONParser.parse(try row.decode(String.self, at: 6)), name: try row.decode(at: 4), version: try row.decode(at: 5))
            let coupon = CouponBook.Issued(
                id: try row.decode(at: 0), code: try row.decode(at: 1), member: try row.decode(at: 2), expiresAt: try row.decode(at: 3))
            var notice = CouponBook.notice(coupon, template, kind: .couponExpiring, marketing: nil)
            notice.dedupe = "coupon_expiring:\(coupon.code)"
            return notice
        }
        let last: Int64? = try rows.last?.decode(at: 0)
        var batch = Batch(scanned: Int64(rows.count))
        batch.couponExpiring = Int64(try NoticeOutbox(c: c).write(notices))
        batch.next = rows.count < limit ? nil : .coupons(afterCoupon: last ?? after)
        return batch
    }
}
