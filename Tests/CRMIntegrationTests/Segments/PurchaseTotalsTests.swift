import CRMDomain
import CRMPostgres
@testable import CRMStorage
import Testing

/// The monthly purchase totals (migration 20) against the orders: kept exact through inserts,
/// refunds, merges, unmerges and removals, and the compiler and the reports selecting the same
/// members and figures from them as from the orders.
@Suite("purchase totals")
struct PurchaseTotalsTests {
    static let asOf = "2026-07-01T00:00:00+08:00"

    /// A generated merchant written by SQL in several statements, so that each trigger path runs:
    /// orders in batches (several to one member and month in one statement), orders on the instants
    /// windows start and end at, partial and whole refunds, merges, unmerges, an order removed.
    static func generate(_ c: PostgresConnection) throws {
        try c.query("SELECT setseed(0.2026)")
        try c.query("INSERT INTO shop (code, name) VALUES ('s1', '一店'), ('s2', '二店')")
        try c.query("INSERT INTO member (name_sealed, created_at) SELECT '會員' || g, '2024-01-01' FROM generate_series(1, 300) g")
        try c.query(
            """
            INSERT INTO account (shop_id, channel, external_id, member_id)
            SELECT 1 + g % 2, (ARRAY['mobile', 'web', 'group_buy'])[1 + g % 3], 'u' || g, g FROM generate_series(1, 300) g
            UNION ALL SELECT 1 + (g + 1) % 2, 'web', 'v' || g, g FROM generate_series(1, 300) g WHERE g % 4 = 0
            """)
        let batch = """
            INSERT INTO shop_order (shop_id, channel, order_no, account_id, amount_fen, paid_at, event_id)
            SELECT a.shop_id, a.channel, 'o' || $1::text || '-' || x.g, a.id, x.amount, $2::timestamptz - x.age * interval '800 days', 'e' || $1::text || '-' || x.g
            FROM (SELECT g, 1 + floor(power(random(), 2) * 375)::bigint AS acc, 100 + floor(random() * 60000)::bigint AS amount, power(random(), 1.5) AS age
                  FROM generate_series(1, 700) g) x
            JOIN account a ON a.id = x.acc
            """
        for n in 1...3 { try c.query(batch, [.text("b\(n)"), .text(asOf)]) }
        // Orders on the edges: the evaluation time, a year and 90 days before it, a period's midnight,
        // and another order of the same member in each of those months.
        try c.query(
            """
            INSERT INTO shop_order (shop_id, channel, order_no, account_id, amount_fen, paid_at, event_id)
            SELECT a.shop_id, a.channel, 'edge-' || a.id || '-' || k, a.id, 5000 + k, t, 'edge-' || a.id || '-' || k
            FROM account a CROSS JOIN LATERAL (VALUES
                (1, $1::timestamptz), (2, $1::timestamptz - interval '1 day'), (3, $1::timestamptz - interval '365 days'),
                (4, $1::timestamptz - interval '365 days' + interval '3 days'), (5, $1::timestamptz - interval '90 days'),
                (6, $1::timestamptz - interval '91 days'), (7, '2026-06-01T00:00:00+08:00'), (8, '2026-06-02T00:00:00+08:00')) e(k, t)
            WHERE a.id % 9 = 0
            """, [.text(asOf)])
        try c.query("UPDATE shop_order SET refunded_fen = amount_fen WHERE id % 17 = 0")
        try c.query("UPDATE shop_order SET refunded_fen = amount_fen / 3 WHERE id % 13 = 0 AND refunded_fen = 0")
        // Merges: member 2k-1's accounts to member 2k (k = 1…20); then half of them undone account by account.
        try c.query("UPDATE account SET member_id = member_id + 1 WHERE member_id % 2 = 1 AND member_id < 40")
        try c.query("UPDATE member SET merged_into = id + 1 WHERE id % 2 = 1 AND id < 40")
        try c.query("UPDATE account SET member_id = member_id - 1 WHERE external_id IN (SELECT 'u' || g FROM generate_series(1, 19, 4) g)")
        try c.query("UPDATE member SET merged_into = NULL WHERE id IN (SELECT g FROM generate_series(1, 19, 4) g)")
        try c.query(batch, [.text("b4"), .text(asOf)])
        // In one transaction, as a push does: an order, its account merged away, another order, a refund.
        let one = "INSERT INTO shop_order (shop_id, channel, order_no, account_id, amount_fen, paid_at, event_id) SELECT shop_id, channel, $1, id, 7000, $2::timestamptz - interval '2 days', $1 FROM account WHERE external_id = 'u100'"
        try c.query("BEGIN")
        try c.query(one, [.text("tx-1"), .text(asOf)])
        try c.query("UPDATE account SET member_id = 101 WHERE external_id = 'u100'")
        try c.query("UPDATE member SET merged_into = 101 WHERE id = 100")
        try c.query(one, [.text("tx-2"), .text(asOf)])
        try c.query("UPDATE shop_order SET refunded_fen = 7000 WHERE order_no = 'tx-1'")
        try c.query("COMMIT")
        try c.query("UPDATE shop_order SET paid_at = paid_at - interval '40 days' WHERE id % 23 = 0")
        try c.query("DELETE FROM shop_order WHERE id IN (SELECT id FROM shop_order ORDER BY id LIMIT 3)")
    }

    static func context(totals: Bool) -> SegmentCompiler.Context {
        SegmentCompiler.Context(
            rfm: RFMBands(), lifecycle: LifecycleThresholds(), firstLevel: "regular", offsetMinutes: 480, codec: TestKeys.codec, purchaseTotals: totals)
    }

    static func members(_ c: PostgresConnection, _ filter: SegmentFilter, asOf: String, totals: Bool) throws -> Set<Int64> {
        let q = SegmentCompiler.compile(filter, context: context(totals: totals), asOf: asOf)
        return Set(try c.query(q.sql, q.params).map { try $0.decode(Int64.self, at: 0) })
    }

    static let filters: [SegmentFilter] = {
        let june = DatePeriod(from: "2026-06-01", until: "2026-06-30")
        let conditions: [SegmentCondition] = [
            .rfm(r: [1, 2], f: [2, 3], m: []), .rfm(r: [], f: [1], m: [3, 4]), .rfm(r: [0], f: [], m: []),
            .purchases(ValueRange(min: 2), withinDays: 365), .purchases(ValueRange(max: 0), withinDays: 90),
            .purchases(ValueRange(min: 1, max: 1), withinDays: nil, period: june), .purchases(ValueRange(min: 3), withinDays: nil),
            .spend(ValueRange(min: 50_000), withinDays: 365), .spend(ValueRange(max: 20_000), withinDays: nil, period: DatePeriod(from: "2025-07-01")),
            .lastPurchase(minDays: 30, maxDays: 200), .lastPurchase(minDays: nil, maxDays: 1),
            .averageOrder(ValueRange(min: 30_000), withinDays: 365), .averageOrder(ValueRange(max: 25_000), withinDays: nil),
            .lifecycle([.new, .active]), .lifecycle([.sleeping, .churned, .prospect]),
        ]
        var out = conditions.map { SegmentFilter.condition($0) }
        out.append(.and([.condition(.purchases(ValueRange(min: 1), withinDays: 365)), .not(.condition(.lifecycle([.active])))]))
        out.append(.or([.condition(.spend(ValueRange(min: 80_000), withinDays: 90)), .condition(.lastPurchase(minDays: 300, maxDays: nil))]))
        out.append(.and([.condition(.rfm(r: [1], f: [], m: [])), .condition(.channels([.web], withinDays: 365, period: nil))]))
        return out
    }()

    @Test("the totals stay equal to the orders and select the same members at every edge")
    func sameMembers() async throws {
        try await withTestDatabase { db in
            try db.withConnection { c in
                try Self.generate(c)
                let drift = try c.query("SELECT count(*) FROM (\(PurchaseTotalsCheck.checks[0].sql)) x").single!.decode(Int64.self, at: 0)
                #expect(drift == 0)
                // The evaluation time itself, an order's instant, a UTC month's start, and a year after an order.
                let instants = try c.query(
                    """
                    SELECT crm_rfc3339(t) FROM (VALUES ($1::timestamptz), ($1::timestamptz - interval '12 days'), ('2026-05-01T00:00:00Z'::timestamptz),
                        ((SELECT paid_at FROM shop_order ORDER BY id OFFSET 50 LIMIT 1)),
                        ((SELECT paid_at + interval '365 days' FROM shop_order ORDER BY id OFFSET 70 LIMIT 1))) v(t)
                    """, [.text(Self.asOf)]
                ).map { try $0.decode(String.self, at: 0) }
                var selected = 0
                for asOf in instants {
                    for filter in Self.filters {
                        let fromTotals = try Self.members(c, filter, asOf: asOf, totals: true)
                        let fromOrders = try Self.members(c, filter, asOf: asOf, totals: false)
                        #expect(fromTotals == fromOrders, "\(filter) at \(asOf)")
                        selected += fromOrders.count
                    }
                }
                #expect(selected > 1_000)
            }
        }
    }

    @Test("reports give the same figures from the totals as from the orders")
    func sameReports() async throws {
        try await withTestDatabase { db in
            try db.withConnection { try Self.generate($0) }
            let pool = PostgresPool(configuration: db.configuration, limits: .init(maxConnections: 2))
            var context = MeasureContext(settings: SegmentSettings(), firstLevel: "regular", offsetMinutes: 480, asOf: Self.asOf, codec: TestKeys.codec)
            let store = ReportStore(pool: pool)
            let fromTotals = try await Self.reports(store, context)
            context.purchaseTotals = false
            let fromOrders = try await Self.reports(store, context)
            #expect(fromTotals.cells == fromOrders.cells)
            #expect(fromTotals.repurchase == fromOrders.repurchase)
            #expect(fromOrders.repurchase.buyersEver > 100)
            await pool.close()
        }
    }

    static func reports(_ store: ReportStore, _ context: MeasureContext) async throws -> (cells: [[ReportStore.Cell]], repurchase: ReportStore.Repurchase) {
        let cells = [
            try await store.rfm(context).cells, try await store.pyramid(context).cells, try await store.purchaseGroups(context).cells,
            try await store.lifecycle(context).cells, try await store.seasons(context).cells, try await store.channels(context, withinDays: 365).cells,
        ]
        return (cells, try await store.repurchase(context).0)
    }
}
