import CRMClient
import CRMJSON
import CRMPostgres
import CRMStorage
import Foundation
import Testing

/// Stored events (migration 20), orders and the points ledger (migration 24) partitioned by the month
/// written into their ids: old rows stay in `<table>_before`, new ones land in their month's partition
/// (an entry's lot changes in the partition of the entry's month), the keys kept beside them (an
/// event's shop and id, an order's number, a member's clearing period) hold across months, and
/// archiving a month of stored events or of orders leaves replays answered, numbers taken and
/// `crmctl verify` meaningful.
@Suite("partitions by month id")
struct MonthIDPartitionTests {
    static let tables = ["sync_event", "shop_order", "points_entry", "points_entry_lot"]

    /// The partition (table name) holding the rows `sql` selects by `tableoid`.
    static func partitions(_ c: PostgresConnection, _ sql: String) throws -> [String] {
        try c.query(sql).map { try $0.decode(String.self, at: 0) }
    }

    /// TEST SUPPORT SQL: ids are written as of `monthsBack` months ago (0: the clock again), so that
    /// what crmd writes meanwhile goes to an older month's partition, as rows written then would.
    static func writeAsOf(_ c: PostgresConnection, monthsBack: Int) throws {
        try c.query(
            """
            CREATE OR REPLACE FUNCTION crm_month_id(seq bigint) RETURNS bigint
                LANGUAGE sql VOLATILE PARALLEL SAFE
                RETURN (((extract(year FROM (clock_timestamp() - interval '\(monthsBack) months') AT TIME ZONE 'UTC')::bigint - 1970) * 12
                         + extract(month FROM (clock_timestamp() - interval '\(monthsBack) months') AT TIME ZONE 'UTC')::bigint - 1) << 40) | seq
            """)
    }

    @Test("migrations 20 and 24 leave the rows written before them in <table>_before with their ids and keys; new rows carry their month")
    func migratesInPlace() async throws {
        try await withTestDatabase(migrate: false) { db in
            try Migrator(migrations: Migration.embedded.filter { $0.version <= 19 }).migrate(configuration: db.configuration)
            // TEST SUPPORT SQL: an order with its points and its event, in the old shape.
            let (order, entry): (Int64, Int64) = try db.withConnection { c in
                let shop: Int64 = try c.query("INSERT INTO shop (code, name) VALUES ('sh01', 'sh01') RETURNING id").single!.decode(at: 0)
                let member: Int64 = try c.query("INSERT INTO member DEFAULT VALUES RETURNING id").single!.decode(at: 0)
                let account: Int64 = try c.query(
                    "INSERT INTO account (shop_id, channel, external_id, member_id) VALUES ($1, 'web', 'u-1', $2) RETURNING id", [.int(shop), .int(member)]
                ).single!.decode(at: 0)
                let order: Int64 = try c.query(
                    """
                    INSERT INTO shop_order (shop_id, channel, order_no, account_id, amount_fen, paid_at, event_id)
                    VALUES ($1, 'web', '5001', $2, 10000, now() - interval '400 days', 'o1') RETURNING id
                    """, [.int(shop), .int(account)]
                ).single!.decode(at: 0)
                let entry: Int64 = try c.query(
                    "INSERT INTO points_entry (member_id, kind, points, order_id, period, actor) VALUES ($1, 'earn', 100, $2, 'clearing:2025', 'test') RETURNING id",
                    [.int(member), .int(order)]
                ).single!.decode(at: 0)
                try c.query(
                    "INSERT INTO sync_event (shop_id, event_id, content_hash, type, status, member_id) VALUES ($1, 'o1', '\\x01', 'order.paid', 'applied', $2)",
                    [.int(shop), .int(member)])
                return (order, entry)
            }
            try Migrator().migrate(configuration: db.configuration)
            try db.withConnection { c in
                for table in Self.tables {
                    #expect(try c.query("SELECT relkind::text FROM pg_class WHERE relname = $1", [.text(table)]).single!.decode(String.self, at: 0) == "p")
                    for offset in 0...3 {
                        let name = table + "_" + (try PartitionTests.month(c, offset))
                        #expect(try c.query("SELECT to_regclass($1) IS NOT NULL", [.text(name)]).single!.decode(Bool.self, at: 0))
                    }
                }
                // Orders and entries written before keep their ids in <table>_before; the order's number is its key's.
                #expect(try Self.partitions(c, "SELECT tableoid::regclass::text FROM shop_order WHERE id = \(order)") == ["shop_order_before"])
                #expect(try Self.partitions(c, "SELECT tableoid::regclass::text FROM points_entry WHERE id = \(entry)") == ["points_entry_before"])
                #expect(
                    try c.query("SELECT order_id, amount_fen FROM order_key WHERE order_no = '5001'").map {
                        [try $0.decode(Int64.self, at: 0), try $0.decode(at: 1)]
                    }
                        == [[order, 10000]])
                #expect(throws: PostgresError.self) {
                    try c.query(
                        """
                        INSERT INTO order_key (shop_id, channel, order_no, order_id, account_id, paid_at, amount_fen)
                        SELECT shop_id, channel, order_no, order_id + 1, account_id, paid_at, amount_fen FROM order_key
                        """)
                }
                #expect(try Self.partitions(c, "SELECT tableoid::regclass::text FROM sync_event") == ["sync_event_before"])
                #expect(
                    try c.query("SELECT count(*) FROM sync_event_key k JOIN sync_event e USING (id) WHERE k.event_id = 'o1'").single!.decode(Int.self, at: 0)
                        == 1)
                // The period stays taken.
                #expect(throws: PostgresError.self) {
                    try c.query(
                        "INSERT INTO points_entry (member_id, kind, points, period, actor) SELECT member_id, 'expire', -1, period, 'test' FROM points_entry")
                }
                // A record written now: its id says this month, and it lands in this month's partition.
                let row = try c.query(
                    """
                    INSERT INTO sync_event (shop_id, event_id, content_hash, type, status)
                    SELECT shop_id, 'o2', '\\x02', 'order.paid', 'applied' FROM sync_event
                    RETURNING id > (SELECT max(id) FROM sync_event_before),
                              id >> 40 = (extract(year FROM now() AT TIME ZONE 'UTC') - 1970) * 12 + extract(month FROM now() AT TIME ZONE 'UTC') - 1,
                              tableoid::regclass::text
                    """
                ).single!
                #expect(try row.decode(Bool.self, at: 0) && (try row.decode(Bool.self, at: 1)))
                #expect(try row.decode(String.self, at: 2) == "sync_event_" + (try PartitionTests.month(c, 0)))
            }
        }
    }

    @Test("crmd makes every partitioned table's months ahead")
    func madeAhead() async throws {
        try await withTestDatabase { db in
            let made = try db.withConnection { try PartitionMaintainer(monthsAhead: 5).ensure(on: $0) }
            let wanted = try db.withConnection { c in
                try (["member_history"] + Self.tables).flatMap { t in try (4...5).map { t + "_" + (try PartitionTests.month(c, $0)) } }.sorted()
            }
            #expect(made.created.sorted() == wanted)
        }
    }

    /// Makes the month two months back, and pushes an order paid and an upsert rejected written then
    /// (as the database's clock says, `writeAsOf`): the month's name, the two events and their outcomes.
    static func pushTwoMonthsBack(_ server: TestServer, _ admin: RPCClient) async throws -> (String, JSONValue, JSONValue, [JSONValue]) {
        let back = try server.database.withConnection { c in
            try c.query(
                "SELECT crm_ensure_month_partition(t::regclass, (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '2 months')::date) FROM unnest($1::text[]) t",
                [.textArray(Self.tables)])
            try Self.writeAsOf(c, monthsBack: 2)
            return try PartitionTests.month(c, -2)
        }
        let paid = Events.paid("o1", "web", order: "5001", member: "u-1", amount: "100.00")
        let bad = Events.upsert("bad", "web", "u-2", ["phone": "not a phone"])
        return (back, paid, bad, try await admin.push("sh01", [paid, bad]))
    }

    @Test("events of an older month: replays answer their first outcome; their order's number is not taken twice and it can be refunded")
    func olderMonth() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let (back, paid, bad, first) = try await Self.pushTwoMonthsBack(server, admin)
            #expect(first.map { $0["status"]! } == ["applied", "rejected"])
            let now = try server.database.withConnection { c in
                try Self.writeAsOf(c, monthsBack: 0)
                return try PartitionTests.month(c, 0)
            }
            try server.database.withConnection { c throws in
                #expect(try Self.partitions(c, "SELECT DISTINCT tableoid::regclass::text FROM sync_event") == ["sync_event_" + back])
            }
            let replay = try await admin.push("sh01", [paid, bad, Events.paid("o1-again", "web", order: "5001", member: "u-1", amount: "100.00")])
            #expect(replay.map { $0["status"]! } == ["duplicate", "duplicate", "rejected"])
            #expect(replay[0]["first_status"] == "applied" && replay[0]["member_id"] == first[0]["member_id"])
            #expect(replay[1]["first_status"] == "rejected" && replay[1]["error"]?["data"]?["field"] == first[1]["error"]?["data"]?["field"])
            #expect(replay[2]["error"]?["data"]?["reason"] == "order_exists")
            let refund = try await admin.push("sh01", [Events.refunded("r1", "web", order: "5001", refund: "R1", amount: "40.00")])
            #expect(refund[0]["status"] == "applied")
            try server.database.withConnection { c throws in
                // The order, its earning and the earning's lot change in the older month; the refund's entry in this one.
                #expect(try Self.partitions(c, "SELECT tableoid::regclass::text FROM shop_order") == ["shop_order_" + back])
                #expect(
                    try Self.partitions(c, "SELECT tableoid::regclass::text || ' ' || kind FROM points_entry ORDER BY id")
                        == ["points_entry_\(back) earn", "points_entry_\(now) reverse"])
                #expect(
                    try Self.partitions(c, "SELECT DISTINCT tableoid::regclass::text FROM points_entry_lot ORDER BY 1")
                        == ["points_entry_lot_" + back, "points_entry_lot_" + now])
                #expect(try c.query("SELECT count(*), sum(refunded_fen) FROM shop_order WHERE order_no = '5001'").single!.decode(Int.self, at: 0) == 1)
                #expect(try c.query("SELECT refunded_fen FROM shop_order").single!.decode(Int64.self, at: 0) == 4000)
                #expect(
                    try c.query("SELECT count(*) FROM points_entry e JOIN shop_order o ON o.id = e.order_id WHERE e.kind = 'reverse' AND o.order_no = '5001'")
                        .single!.decode(Int.self, at: 0) == 1)
                #expect(try Self.partitions(c, "SELECT tableoid::regclass::text FROM sync_event WHERE event_id = 'r1'") == ["sync_event_" + now])
            }
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("archiving a month of stored events: replays still answer duplicate with the first status and member; verify excuses only detached months")
    func archivedEvents() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let (back, paid, bad, first) = try await Self.pushTwoMonthsBack(server, admin)
            try server.database.withConnection { c throws in
                try Self.writeAsOf(c, monthsBack: 0)
                try c.query("ALTER TABLE sync_event DETACH PARTITION sync_event_\(back)")
                try c.query("DROP TABLE sync_event_\(back)")
            }
            let replay = try await admin.push("sh01", [paid, bad])
            #expect(replay.map { $0["status"]! } == ["duplicate", "duplicate"])
            #expect(replay[0]["first_status"] == "applied" && replay[0]["member_id"] == first[0]["member_id"])
            #expect(replay[1]["first_status"] == "rejected")
            // The same id with other content is still refused as reused; the order (not archived) keeps
            // its number and can be refunded.
            let later = try await admin.push(
                "sh01",
                [
                    Events.paid("o1", "web", order: "5002", member: "u-1", amount: "1.00"),
                    Events.paid("o1-again", "web", order: "5001", member: "u-1", amount: "1.00"),
                    Events.refunded("r1", "web", order: "5001", refund: "R1", amount: "1.00"),
                ])
            #expect(later[2]["status"] == "applied")
            #expect(later.map { $0["error"]?["data"]?["reason"] } == ["event_id_reused", "order_exists", nil])
            #expect(try await admin.verify()["ok"] == true)
            // A record missing from a month still attached is a violation.
            _ = try await admin.push("sh01", [Events.upsert("u3", "web", "u-3")])
            _ = try server.database.withConnection { c in try c.query("DELETE FROM sync_event WHERE event_id = 'u3'") }
            let broken = try await admin.verify()
            let failed = broken["checks"]!.arrayValue!.filter { $0["ok"] != true }.map { $0["name"]!.stringValue! }
            #expect(failed == ["event_keys_name_records"])
        }
    }

    @Test("archiving a month of orders: their numbers stay taken, their refunds find no order, verify excuses only detached months")
    func archivedOrders() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let (back, _, _, first) = try await Self.pushTwoMonthsBack(server, admin)
            #expect(first[0]["status"] == "applied")
            try server.database.withConnection { c throws in
                try Self.writeAsOf(c, monthsBack: 0)
                try c.query("ALTER TABLE shop_order DETACH PARTITION shop_order_\(back)")
                try c.query("DROP TABLE shop_order_\(back)")
            }
            let later = try await admin.push(
                "sh01",
                [
                    Events.paid("o1-again", "web", order: "5001", member: "u-1", amount: "1.00"),
                    Events.refunded("r1", "web", order: "5001", refund: "R1", amount: "1.00"),
                    Events.paid("o2", "web", order: "5002", member: "u-1", amount: "1.00"),
                ])
            #expect(later.map { $0["status"]! } == ["rejected", "rejected", "applied"])
            #expect(later[0]["error"]?["data"]?["reason"] == "order_exists")
            #expect(try await admin.verify()["ok"] == true)
            // An order written around its key, and a key that no longer says what its order says, are violations.
            try server.database.withConnection { c throws in
                try c.query(
                    """
                    INSERT INTO shop_order (shop_id, channel, order_no, account_id, amount_fen, paid_at, event_id)
                    SELECT shop_id, channel, '5003', account_id, 0, paid_at, 'x' FROM shop_order
                    """)
                try c.query("UPDATE order_key SET amount_fen = amount_fen + 1 WHERE order_no = '5002'")
            }
            let broken = try await admin.verify()
            let failed = broken["checks"]!.arrayValue!.filter { $0["ok"] != true }.map { $0["name"]!.stringValue! }
            #expect(failed.sorted() == ["order_keys_match_orders", "orders_have_keys"])
        }
    }

    @Test("a ledger over three months stays whole through refunds, merges, an unmerge and expiry; a lost lot change's entry is a violation")
    func ledgerAcrossMonths() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let (back, _, _, first) = try await Self.pushTwoMonthsBack(server, admin)
            let a = first[0]["member_id"]!
            let b = try await admin.paid("o2", order: "5002", member: "u-2", amount: "200.00", at: When.at(days: -40))
            let middle = try server.database.withConnection { c in
                try c.query(
                    "SELECT crm_ensure_month_partition(t::regclass, (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month')::date) FROM unnest($1::text[]) t",
                    [.textArray(Self.tables)])
                try Self.writeAsOf(c, monthsBack: 1)
                return try PartitionTests.month(c, -1)
            }
            _ = try await admin.push("sh01", [Events.refunded("r1", "web", order: "5001", refund: "R1", amount: "30.00")])
            _ = try await admin.paid("o3", order: "5003", member: "u-1", amount: "80.00", at: When.at(days: -10))
            try server.database.withConnection { c in try Self.writeAsOf(c, monthsBack: 0) }
            let merged = try await admin.call("member.merge", ["member_id": a, "other_member_id": b, "reason": "same person"])
            let live = merged["member_id"]!
            _ = try await admin.push("sh01", [Events.refunded("r2", "web", order: "5002", refund: "R2", amount: "50.00")])
            _ = try await admin.call("member.unmerge", ["member_id": live == a ? b : a, "reason": "two people"])
            _ = try await admin.expireAll(asOf: When.date(days: 0))
            try server.database.withConnection { c throws in
                let months = try Self.partitions(c, "SELECT DISTINCT tableoid::regclass::text FROM points_entry ORDER BY 1")
                #expect(months.contains("points_entry_" + back) && months.contains("points_entry_" + middle))
                // Every lot change sits in the partition of its entry's month.
                #expect(
                    try c.query(
                        """
                        SELECT count(*) FROM points_entry_lot l JOIN points_entry e ON e.id = l.entry_id
                        WHERE replace(l.tableoid::regclass::text, 'points_entry_lot_', '') <> replace(e.tableoid::regclass::text, 'points_entry_', '')
                        """
                    ).single!.decode(Int.self, at: 0) == 0)
            }
            #expect(try await admin.verify()["ok"] == true)
            // A lot change whose entry is missing (its foreign key is verify's check now) is a violation.
            try server.database.withConnection { c throws in
                _ = try c.query(
                    "INSERT INTO points_entry_lot (entry_id, lot_id, points) SELECT crm_month_id(nextval('points_entry_id_seq')), min(id), 1 FROM points_lot")
            }
            let broken = try await admin.verify()
            let failed = broken["checks"]!.arrayValue!.filter { $0["ok"] != true }.map { $0["name"]!.stringValue! }
            #expect(failed.contains("lot_changes_name_entries"))
        }
    }
}
