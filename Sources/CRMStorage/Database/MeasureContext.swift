import CRMDomain
import CRMPostgres

/// What segments and reports are evaluated with: the merchant's measures settings, the ladder's
/// first level, the merchant's UTC offset, the evaluation time (nil: now), and the codec whose
/// blind indexes conditions on personal data compare.
public struct MeasureContext: Sendable {
    public var settings: SegmentSettings
    public var firstLevel: String
    public var offsetMinutes: Int
    /// RFC 3339; windows end here and later orders are not counted. Nil: the database's now.
    public var asOf: String?
    public var codec: PersonalDataCodec
    /// Whether purchases are read from the member purchases (`PurchaseRowsSwitch`); set where a test
    /// compares them with the orders.
    var purchaseRows = PurchaseRowsSwitch.inForce

    public init(settings: SegmentSettings, firstLevel: String, offsetMinutes: Int, asOf: String? = nil, codec: PersonalDataCodec) {
        self.settings = settings
        self.firstLevel = firstLevel
        self.offsetMinutes = offsetMinutes
        self.asOf = asOf
        self.codec = codec
    }

    /// Settings for the transaction of one large read (a segment or a report): no JIT compilation,
    /// which costs more than it saves on these one-pass aggregations (measured at 5,000,000 orders).
    static func prepare(_ c: PostgresConnection) throws {
        try c.query("SET LOCAL jit = off")
    }

    /// Repurchase intervals of the merchant (days between a member's consecutive purchases).
    public struct Intervals: Sendable, Equatable {
        public var count: Int64
        public var p50: Double, p75: Double, p90: Double, p95: Double
    }

    /// The evaluation time and lifecycle thresholds in force (derived from the intervals when so configured).
    func resolve(_ c: PostgresConnection) throws -> (asOf: String, compiler: SegmentCompiler.Context, intervals: Intervals?) {
        let at: String = try asOf ?? c.query("SELECT crm_rfc3339(now())").single!.decode(at: 0)
        if purchaseRows {
            // The member purchases' index holds every column read (an index-only scan, its pages
            // cached): costed as random reads from disk, a segment of 100,000 tagged members was
            // planned as a pass over every purchase, twice as slow as probing their index entries.
            try c.query("SET LOCAL random_page_cost = 1.1")
        }
        var thresholds = settings.lifecycle
        var intervals: Intervals? = nil
        if settings.lifecycleDerived {
            let found = try Self.intervals(c, asOf: at, purchaseRows: purchaseRows)
            intervals = found
            if found.count > 0 {
                thresholds = LifecycleThresholds.derived(p50: found.p50, p75: found.p75, p90: found.p90, p95: found.p95, newDays: settings.lifecycle.newDays)
            }
        }
        return (at, SegmentCompiler.Context(rfm: settings.rfm, lifecycle: thresholds, firstLevel: firstLevel, offsetMinutes: offsetMinutes, codec: codec,
                purchaseRows: purchaseRows), intervals)
    }

    static func intervals(_ c: PostgresConnection, asOf: String, purchaseRows: Bool) throws -> Intervals {
        let purchases =
            purchaseRows
            ? "SELECT o.member_id, o.paid_at FROM member_purchase o WHERE o.paid_at <= $1::timestamptz"
            : "SELECT a.member_id, o.paid_at FROM shop_order o JOIN account a ON a.id = o.account_id WHERE o.paid_at <= $1::timestamptz AND o.refunded_fen < o.amount_fen"
        let row = try c.query(
            """
            SELECT count(gap), COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY gap), 0), COALESCE(percentile_cont(0.75) WITHIN GROUP (ORDER BY gap), 0),
                   COALESCE(percentile_cont(0.9) WITHIN GROUP (ORDER BY gap), 0), COALESCE(percentile_cont(0.95) WITHIN GROUP (ORDER BY gap), 0)
            FROM (SELECT extract(epoch FROM o.paid_at - lag(o.paid_at) OVER (PARTITION BY o.member_id ORDER BY o.paid_at)) / 86400.0 AS gap
                  FROM (\(purchases)) o(member_id, paid_at) JOIN member m ON m.id = o.member_id AND m.merged_into IS NULL) x
            WHERE gap IS NOT NULL
            """, [.text(asOf)]
        ).single!
        return Intervals(
            count: try row.decode(at: 0), p50: try row.decode(at: 1), p75: try row.decode(at: 2), p90: try row.decode(at: 3), p95: try row.decode(at: 4))
    }
}
