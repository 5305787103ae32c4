import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import Testing

@testable import CRMStorage

/// The member purchases (migration 21, `PurchaseRows`) against the orders: kept exact through pushes,
/// refunds, merges, unmerges, script folding and erasure, and segments and reports selecting the same
/// members and figures from them as from the orders joined with their accounts.
@Suite("member purchases")
struct PurchaseRowsTests {
    static let asOf = "2026-07-01T00:00:00+08:00"

    /// Orders written by SQL in batches, each batch's rows added as a push adds them (items named in
    /// both scripts, some folded, some repeated within an order); orders on the instants windows start
    /// and end at; partial and whole refunds; merges and unmerges; items folded after the fact; tags.
    static func generate(_ c: PostgresConnection) throws {
        let rows = PurchaseRows(c: c)
        try c.query("SELECT setseed(0.2026)")
        try c.query("INSERT INTO shop (code, name) VALUES ('s1', '一店'), ('s2', '二店')")
        try c.query(
            "INSERT INTO member (name_sealed, region, created_at) SELECT '會員' || g, CASE WHEN g % 3 = 0 THEN '浙江 杭州' END, '2024-01-01' FROM generate_series(1, 300) g"
        )
        try c.query(
            """
            INSERT INTO account (shop_id, channel, external_id, member_id)
            SELECT 1 + g % 2, (ARRAY['mobile', 'web', 'group_buy'])[1 + g % 3], 'u' || g, g FROM generate_series(1, 300) g
            UNION ALL SELECT 1 + (g + 1) % 2, 'web', 'v' || g, g FROM generate_series(1, 300) g WHERE g % 4 = 0
            """)
        try c.query("INSERT INTO tag (name, tag_group, created_by) VALUES ('蕾絲控', '偏好', 't'), ('高消費', '偏好', 't')")
        try c.query(
            "INSERT INTO member_tag (member_id, tag_id, source, actor) SELECT g, 1 + g % 2, 'manual', 't' FROM generate_series(1, 300) g WHERE g % 5 < 2")
        let items = """
            jsonb_build_array(jsonb_build_object('sku', 'S' || x.p, 'name', (ARRAY['蕾絲文胸', '蕾丝内裤', '棉襪', '真絲睡衣', '面膜'])[1 + x.p % 5] || x.p % 3,
                                                 'category', (ARRAY['lingerie', 'lingerie', 'socks', 'sleepwear', 'beauty'])[1 + x.p % 5]))
              || CASE WHEN x.p % 4 = 0 THEN '[{"sku": "GIFT", "name": "贈品"}, {"sku": "GIFT", "name": "贈品"}, 7]'::jsonb ELSE '[]'::jsonb END
            """
        let batch = """
            INSERT INTO shop_order (shop_id, channel, order_no, account_id, amount_fen, paid_at, event_id, items, items_fold, payment_method)
            SELECT a.shop_id, a.channel, 'o' || $1::text || '-' || x.g, a.id, x.amount, $2::timestamptz - x.age * interval '800 days',
                   'e' || $1::text || '-' || x.g, \(items), CASE WHEN x.p % 5 IN (0, 3) THEN replace(replace((\(items))::text, '絲', '丝'), '襪', '袜')::jsonb END,
                   (ARRAY['alipay', 'wechat_pay', NULL])[1 + x.g % 3]
            FROM (SELECT g, 1 + floor(power(random(), 2) * 375)::bigint AS acc, 100 + floor(random() * 60000)::bigint AS amount,
                         power(random(), 1.5) AS age, floor(random() * 15)::int AS p
                  FROM generate_series(1, 700) g) x
            JOIN account a ON a.id = x.acc
            RETURNING id
            """
        func ids(_ sql: String, _ params: [PostgresValue] = []) throws -> [Int64] { try c.query(sql, params).map { try $0.decode(Int64.self, at: 0) } }
        for n in 1...3 { try rows.add(try ids(batch, [.text("b\(n)"), .text(asOf)])) }
        // Orders on the edges: the evaluation time, a year and 90 days before it, a period's midnight.
        try rows.add(
            try ids(
                """
                INSERT INTO shop_order (shop_id, channel, order_no, account_id, amount_fen, paid_at, event_id, items)
                SELECT a.shop_id, a.channel, 'edge-' || a.id || '-' || k, a.id, 5000 + k, t, 'edge-' || a.id || '-' || k,
                       jsonb_build_array(jsonb_build_object('sku', 'EDGE', 'name', '蕾絲邊' || k % 2, 'category', 'lingerie'))
                FROM account a CROSS JOIN LATERAL (VALUES
                    (1, $1::timestamptz), (2, $1::timestamptz - interval '1 day'), (3, $1::timestamptz - interval '365 days'),
                    (4, $1::timestamptz - interval '365 days' + interval '3 days'), (5, $1::timestamptz - interval '90 days'),
                    (6, $1::timestamptz - interval '91 days'), (7, '2026-06-01T00:00:00+08:00'), (8, '2026-06-02T00:00:00+08:00')) e(k, t)
                WHERE a.id % 9 = 0
                RETURNING id
                """, [.text(asOf)]))
        // An order of nothing is no purchase.
        try rows.add(
            try ids(
                "INSERT INTO shop_order (shop_id, channel, order_no, account_id, amount_fen, paid_at, event_id) VALUES (1, 'web', 'zero', 1, 0, $1, 'zero') RETURNING id",
                [.text(asOf)]))
        try rows.refunded(try ids("UPDATE shop_order SET refunded_fen = amount_fen WHERE id % 17 = 0 RETURNING id"))
        try rows.refunded(try ids("UPDATE shop_order SET refunded_fen = amount_fen / 3 WHERE id % 13 = 0 AND refunded_fen = 0 RETURNING id"))
        try Self.writeKeys(c)
        // Merges: member 2k-1's accounts to member 2k (k = 1…20), as a merge's statement moves them;
        // then half of them undone account by account.
        try c.query("UPDATE account SET member_id = member_id + 1 WHERE member_id % 2 = 1 AND member_id < 40")
        try c.query("UPDATE member_purchase SET member_id = member_id + 1 WHERE member_id % 2 = 1 AND member_id < 40")
        try c.query("UPDATE member SET merged_into = id + 1 WHERE id % 2 = 1 AND id < 40")
        for g in stride(from: 1, through: 19, by: 4) {
            let accounts = try ids("UPDATE account SET member_id = $1::bigint WHERE external_id = 'u' || $1::bigint RETURNING id", [.int(Int64(g))])
            try rows.move(accounts: accounts, to: Int64(g))
        }
        try c.query("UPDATE member SET merged_into = NULL WHERE id IN (SELECT g FROM generate_series(1, 19, 4) g)")
        try rows.add(try ids(batch, [.text("b4"), .text(asOf)]))
        // Items folded after the fact (what `ScriptFoldBackfill` does to orders written before folding).
        try rows.refold(
            try ids(
                "UPDATE shop_order SET items_fold = replace(items::text, '棉襪', '棉袜')::jsonb WHERE order_no LIKE 'ob4-%' AND items_fold IS NULL AND id % 3 = 0 RETURNING id"
            ))
        // Orders of one push, one of them refunded whole in the same push, another partly.
        let pushed = try ids(batch, [.text("b5"), .text(asOf)])
        try rows.add(pushed)
        try rows.refunded(
            try ids(
                "UPDATE shop_order SET refunded_fen = amount_fen - (id % 2) * 50 WHERE id = ANY($1::bigint[]) AND id % 7 = 0 RETURNING id", [.intArray(pushed)])
        )
    }

    /// TEST SUPPORT SQL: the orders' keys (migration 24) for the orders written here by SQL, as crmd
    /// writes them with each order and refund (merges and levels read an account's orders from them);
    /// again after `generate`, for the refunds it wrote since.
    static func writeKeys(_ c: PostgresConnection) throws {
        try c.query(
            """
            INSERT INTO order_key (shop_id, channel, order_no, order_id, account_id, paid_at, amount_fen, refunded_fen)
            SELECT shop_id, channel, order_no, id, account_id, paid_at, amount_fen, refunded_fen FROM shop_order
            ON CONFLICT (order_id) DO UPDATE SET refunded_fen = EXCLUDED.refunded_fen
            """)
    }

    static func context(rows: Bool, pass: PurchasePass = .grouped) -> SegmentCompiler.Context {
        SegmentCompiler.Context(
            rfm: RFMBands(), lifecycle: LifecycleThresholds(), firstLevel: "regular", offsetMinutes: 480, codec: TestKeys.codec, purchaseRows: rows,
            purchasePass: pass)
    }

    static func members(_ c: PostgresConnection, _ filter: SegmentFilter, asOf: String, rows: Bool, pass: PurchasePass = .grouped) throws -> Set<Int64> {
        let q = SegmentCompiler.compile(filter, context: context(rows: rows, pass: pass), asOf: asOf)
        return Set(try c.query(q.sql, q.params).map { try $0.decode(Int64.self, at: 0) })
    }

    /// Rows that differ from the orders (`crmctl verify`'s checks).
    static func drift(_ c: PostgresConnection) throws -> Int64 {
        try PurchaseRowsCheck.checks.reduce(0) { n, check in n + (try c.query("SELECT count(*) FROM (\(check.sql)) x").single!.decode(Int64.self, at: 0)) }
    }

    static let filters: [SegmentFilter] = {
        let june = DatePeriod(from: "2026-06-01", until: "2026-06-30")
        let lace = ItemMatch(nameContains: ["蕾絲"])
        let conditions: [SegmentCondition] = [
            .rfm(r: [1, 2], f: [2, 3], m: []), .rfm(r: [], f: [1], m: [3, 4]), .rfm(r: [0], f: [], m: []),
            .purchases(ValueRange(min: 2), withinDays: 365), .purchases(ValueRange(max: 0), withinDays: 90),
            .purchases(ValueRange(min: 1, max: 1), withinDays: nil, period: june), .purchases(ValueRange(min: 3), withinDays: nil),
            .spend(ValueRange(min: 50_000), withinDays: 365), .spend(ValueRange(max: 20_000), withinDays: nil, period: DatePeriod(from: "2025-07-01")),
            .lastPurchase(minDays: 30, maxDays: 200), .lastPurchase(minDays: nil, maxDays: 1),
            .averageOrder(ValueRange(min: 30_000), withinDays: 365), .averageOrder(ValueRange(max: 25_000), withinDays: nil),
            .lifecycle([.new, .active]), .lifecycle([.sleeping, .churned, .prospect]),
            .seasons(ValueRange(min: 2), all: [], withinDays: 365), .seasons(ValueRange(), all: [.winter, .summer], withinDays: nil),
            .channels([.web], withinDays: 365), .channels([.mobile, .groupBuy], withinDays: nil, period: june),
            .shops(["s2"], withinDays: 90), .paymentMethods(["alipay"], withinDays: 30), .paymentMethods(["wechat_pay"], withinDays: nil),
            .items(lace, withinDays: 365), .items(lace, withinDays: nil), .items(lace, withinDays: 90), .items(lace, withinDays: 1),
            .items(ItemMatch(nameContains: ["蕾絲邊1"]), withinDays: nil, period: june),
            .items(ItemMatch(nameContains: ["蕾丝", "棉"], categories: ["lingerie", "socks"]), withinDays: nil, period: DatePeriod(until: "2026-01-01")),
            .items(ItemMatch(skus: ["S3", "GIFT"]), withinDays: 30), .items(ItemMatch(nameContains: ["棉袜"]), withinDays: nil),
            .items(ItemMatch(categories: ["sleepwear"]), withinDays: nil, period: DatePeriod(from: "2025-12-31")),
            .items(ItemMatch(nameContains: ["真絲"], categories: ["beauty"]), withinDays: nil),
            .returns(count: ValueRange(min: 1), amount: ValueRange(), withinDays: 365),
        ]
        var out = conditions.map { SegmentFilter.condition($0) }
        out.append(.and([.condition(.purchases(ValueRange(min: 1), withinDays: 365)), .not(.condition(.lifecycle([.active])))]))
        out.append(.or([.condition(.spend(ValueRange(min: 80_000), withinDays: 90)), .condition(.lastPurchase(minDays: 300, maxDays: nil))]))
        out.append(.and([.condition(.rfm(r: [1], f: [], m: [])), .condition(.channels([.web], withinDays: 365, period: nil))]))
        out.append(.and([.condition(.rfm(r: [1, 2, 3], f: [2, 3], m: [])), .condition(.items(lace, withinDays: 365))]))
        out.append(.or([.not(.condition(.items(lace, withinDays: 90))), .condition(.paymentMethods(["alipay"], withinDays: 30))]))
        out.append(.not(.condition(.purchases(ValueRange(min: 1), withinDays: 90))))
        // Restricted to the members of a region or tags: the pass reads only theirs.
        let hangzhou = SegmentFilter.condition(.region(["杭州"]))
        let tagged = SegmentFilter.condition(.tags(.any, ["蕾絲控", "高消費"]))
        out.append(.and([tagged, .condition(.rfm(r: [1, 2, 3], f: [2, 3], m: [])), .condition(.items(lace, withinDays: 365))]))
        out.append(.and([.condition(.rfm(r: [1, 2, 3], f: [2, 3], m: [])), tagged, .condition(.items(lace, withinDays: 365))]))
        out.append(.and([hangzhou, .condition(.items(lace, withinDays: 365))]))
        out.append(.and([hangzhou, tagged, .condition(.purchases(ValueRange(min: 1, max: 1), withinDays: nil, period: june))]))
        out.append(.and([hangzhou, .condition(.spend(ValueRange(min: 50_000), withinDays: 365)), .not(.condition(.lastPurchase(minDays: 30, maxDays: 200)))]))
        out.append(.and([.condition(.tags(.none, ["高消費"])), .condition(.items(ItemMatch(skus: ["S3", "GIFT"]), withinDays: 30))]))
        out.append(.and([tagged, .condition(.purchases(ValueRange(max: 0), withinDays: 365))]))
        out.append(.and([tagged, .or([.condition(.items(lace, withinDays: 90)), .condition(.rfm(r: [0], f: [], m: []))])]))
        return out
    }()

    @Test("the rows stay equal to the orders and select the same members at every edge")
    func sameMembers() async throws {
        try await withTestDatabase { db in
            try db.withConnection { c in
                try Self.generate(c)
                try Self.writeKeys(c)
                #expect(try Self.drift(c) == 0)
                #expect(try c.query("SELECT count(*) FROM member_purchase").single!.decode(Int64.self, at: 0) > 2_000)
                // The evaluation time itself, an order's instant, a year after an order, earlier times.
                let instants = try c.query(
                    """
                    SELECT crm_rfc3339(t) FROM (VALUES ($1::timestamptz), ($1::timestamptz - interval '12 days'), ('2026-05-01T00:00:00Z'::timestamptz),
                        ((SELECT paid_at FROM shop_order ORDER BY id OFFSET 50 LIMIT 1)),
                        ((SELECT paid_at + interval '365 days' FROM shop_order ORDER BY id OFFSET 70 LIMIT 1)),
                        ($1::timestamptz - interval '200 days')) v(t)
                    """, [.text(Self.asOf)]
                ).map { try $0.decode(String.self, at: 0) }
                var selected = 0
                for asOf in instants {
                    for filter in Self.filters {
                        let fromRows = try Self.members(c, filter, asOf: asOf, rows: true)
                        let fromOrders = try Self.members(c, filter, asOf: asOf, rows: false)
                        let perMember = try Self.members(c, filter, asOf: asOf, rows: true, pass: .perMember)
                        #expect(fromRows == fromOrders, "\(filter) at \(asOf)")
                        #expect(perMember == fromOrders, "per member: \(filter) at \(asOf)")
                        selected += fromOrders.count
                    }
                }
                #expect(selected > 5_000)
            }
        }
    }

    @Test("a filter whose tags and region leave a few members reads each one's purchases; one whose tags take every member reads them grouped")
    func passChosenByShare() async throws {
        try await withTestDatabase { db in
            try db.withConnection { c in
                try Self.generate(c)
                try Self.writeKeys(c)
                try c.query("ANALYZE")
                let lace = SegmentCondition.items(ItemMatch(nameContains: ["蕾絲"]), withinDays: 365)
                let few = SegmentFilter.and([.condition(.tags(.any, ["蕾絲控"])), .condition(.region(["杭州"])), .condition(lace)])
                let tagged = SegmentFilter.and([.condition(.tags(.any, ["蕾絲控"])), .condition(lace)])
                let noMemberPart = SegmentFilter.condition(lace)
                let context = Self.context(rows: true)
                func chosen(_ f: SegmentFilter) throws -> (share: Double?, lateral: Bool) {
                    let share = try SegmentCompiler.restrictedShare(f, context: context, asOf: Self.asOf, on: c)
                    let q = try SegmentCompiler.compile(f, context: context, asOf: Self.asOf, on: c)
                    return (share, q.sql.contains("CROSS JOIN LATERAL"))
                }
                let a = try chosen(few), n = try chosen(noMemberPart)
                #expect(a.share.map { $0 < 0.2 } == true, "\(String(describing: a.share))")
                #expect(a.lateral)
                #expect(n.share == nil && !n.lateral)
                // Without the member purchases (CRM_PURCHASE_ROWS=off) the orders are read grouped.
                #expect(try !SegmentCompiler.compile(few, context: Self.context(rows: false), asOf: Self.asOf, on: c).sql.contains("LATERAL"))
                #expect(try Self.members(c, few, asOf: Self.asOf, rows: true, pass: .perMember) == Self.members(c, few, asOf: Self.asOf, rows: false))
                // Every member given both tags: the tag's members are estimated to be all of them.
                try c.query(
                    "INSERT INTO member_tag (member_id, tag_id, source, actor) SELECT m.id, t.id, 'manual', 't' FROM member m, tag t ON CONFLICT DO NOTHING")
                try c.query("ANALYZE member_tag")
                let b = try chosen(tagged)
                #expect(b.share.map { $0 > 0.9 } == true, "\(String(describing: b.share))")
                #expect(!b.lateral)
            }
        }
    }

    @Test("reports give the same figures from the rows as from the orders")
    func sameReports() async throws {
        try await withTestDatabase { db in
            try db.withConnection { c in
                try Self.generate(c)
                try Self.writeKeys(c)
            }
            let pool = PostgresPool(configuration: db.configuration, limits: .init(maxConnections: 2))
            var settings = SegmentSettings()
            for derived in [false, true] {
                settings.lifecycleDerived = derived
                var context = MeasureContext(settings: settings, firstLevel: "regular", offsetMinutes: 480, asOf: Self.asOf, codec: TestKeys.codec)
                let store = ReportStore(pool: pool)
                context.purchaseRows = true
                let fromRows = try await Self.reports(store, context)
                context.purchaseRows = false
                let fromOrders = try await Self.reports(store, context)
                #expect(fromRows.cells == fromOrders.cells)
                #expect(fromRows.repurchase == fromOrders.repurchase)
                #expect(fromRows.intervals == fromOrders.intervals)
                #expect(fromOrders.repurchase.buyersEver > 100)
            }
            await pool.close()
        }
    }

    @Test("pushes, refunds, merges, unmerges and erasure keep the rows; a push's orders count at once; verify finds a tampered row")
    func throughServer() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let f = try await SegmentFixture.load(admin)
            let newItem: JSONValue = ["items": ["name_contains": ["新品"], "within_days": 30]]
            let buyers: JSONValue = ["purchases": ["min": 3]]
            #expect(try await admin.segmentMembers(newItem).isEmpty)
            #expect(try await admin.segmentMembers(buyers) == f.members("A"))
            // A push's order (naming an item never seen) has its row, and counts, as soon as the push is answered.
            _ = try await admin.push("sh01", [SegmentFixture.order("d3", "web", "D3", "u-d", "20.00", "2026-06-25", items: [("NEW-1", "新品上市", "new")])])
            let kept = try server.database.withConnection { c in
                try c.query(
                    "SELECT count(*) FROM member_purchase p JOIN shop_order o ON o.id = p.order_id WHERE o.order_no = 'D3' AND p.member_id = $1",
                    [.int(Int64(f.ids["D"]!)!)]
                ).single!.decode(Int64.self, at: 0)
            }
            #expect(kept == 1)
            #expect(try await admin.segmentMembers(newItem) == f.members("D"))
            #expect(try await admin.segmentMembers(buyers) == f.members("AD"))
            // Refunded whole in a later push, it no longer counts.
            _ = try await admin.push("sh01", [Events.refunded("d3-r", "web", order: "D3", refund: "RD3", amount: "20.00")])
            #expect(try await admin.segmentMembers(newItem).isEmpty)
            #expect(try await admin.segmentMembers(buyers) == f.members("A"))
            // C merged into B (their purchases together), undone; G merged into D; E erased.
            let merged = try await admin.call("member.merge", ["member_id": .string(f.ids["B"]!), "other_member_id": .string(f.ids["C"]!), "reason": "test"])
            #expect(try await admin.segmentMembers(buyers) == f.members("A").union([merged["member_id"]!.stringValue!]))
            #expect(try server.database.withConnection { try Self.drift($0) } == 0)
            _ = try await admin.call("member.unmerge", ["merge_id": merged["merge_id"]!, "reason": "not the same"])
            #expect(try await admin.segmentMembers(buyers) == f.members("A"))
            _ = try await admin.call("member.merge", ["member_id": .string(f.ids["D"]!), "other_member_id": .string(f.ids["G"]!), "reason": "test"])
            _ = try await admin.call("member.erase", ["member_id": .string(f.ids["E"]!), "reason": "asked"])
            let (drift, both) = try server.database.withConnection { c in
                (
                    try Self.drift(c),
                    try Self.filters.map { (try Self.members(c, $0, asOf: Self.asOf, rows: true), try Self.members(c, $0, asOf: Self.asOf, rows: false)) }
                )
            }
            #expect(drift == 0)
            for (filter, (fromRows, fromOrders)) in zip(Self.filters, both) { #expect(fromRows == fromOrders, "\(filter)") }
            #expect(try await admin.verify()["ok"] == true)
            // A row's worth changed, and an item taken out of the dictionary, behind crmd's back.
            try server.database.withConnection { c in
                try c.query("UPDATE member_purchase SET spend_fen = spend_fen + 1 WHERE order_id = (SELECT min(order_id) FROM member_purchase)")
                try c.query("DELETE FROM purchase_item WHERE id = (SELECT max(i) FROM member_purchase, unnest(items) i)")
            }
            let verified = try await admin.verify()
            #expect(verified["ok"] == false)
            let failed = Set((verified["checks"]?.arrayValue ?? []).filter { $0["ok"] == false }.compactMap { $0["name"]?.stringValue })
            #expect(failed == ["member_purchases_match_orders", "purchase_items_in_dictionary"])
        }
    }

    static func reports(
        _ store: ReportStore, _ context: MeasureContext
    ) async throws -> (cells: [[ReportStore.Cell]], repurchase: ReportStore.Repurchase, intervals: MeasureContext.Intervals?) {
        let lifecycle = try await store.lifecycle(context)
        let cells = [
            try await store.rfm(context).cells, try await store.pyramid(context).cells, try await store.purchaseGroups(context).cells,
            lifecycle.cells, try await store.seasons(context).cells, try await store.channels(context, withinDays: 365).cells,
            try await store.channels(context, withinDays: nil).cells, try await store.levels(context),
        ]
        return (cells, try await store.repurchase(context).0, lifecycle.intervals)
    }
}
