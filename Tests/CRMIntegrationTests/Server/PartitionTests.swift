import CRMPostgres
import CRMStorage
import Foundation
import Testing

@testable import CRMServer

/// Monthly partitions (migration 19, `PartitionMaintainer`): existing history moves into them,
/// they are made ahead idempotently by several makers at once, and a row outside them never fails.
@Suite("partitions")
struct PartitionTests {
    /// `YYYY_MM` of the UTC month `offset` months from now, as the database counts.
    static func month(_ c: PostgresConnection, _ offset: Int) throws -> String {
        try c.query(
            "SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => $1::int), 'YYYY_MM')",
            [.int(Int64(offset))]
        ).single!.decode(at: 0)
    }

    static func partitionOf(_ c: PostgresConnection, action: String) throws -> String {
        try c.query("SELECT tableoid::regclass::text FROM member_history WHERE action = $1", [.text(action)]).single!.decode(at: 0)
    }

    @Test("migration 19 moves member history into monthly partitions with its ids, and the identity goes on")
    func migratesHistory() async throws {
        try await withTestDatabase(migrate: false) { db in
            try Migrator(migrations: Migration.embedded.filter { $0.version <= 18 }).migrate(configuration: db.configuration)
            // TEST SUPPORT SQL: history in the old shape: this month, months back, 1970 and far ahead.
            let before: [[String]] = try db.withConnection { c in
                let member: Int64 = try c.query("INSERT INTO member DEFAULT VALUES RETURNING id").single!.decode(at: 0)
                try c.query(
                    """
                    INSERT INTO member_history (member_id, at, action, actor, detail)
                    SELECT $1, now() - make_interval(days => d), 'back_' || d, 'test', jsonb_build_object('d', d)
                    FROM generate_series(0, 400, 30) d
                    """, [.int(member)])
                try c.query(
                    """
                    INSERT INTO member_history (member_id, at, action, actor)
                    VALUES ($1, '1970-01-02', 'ancient', 'test'), ($1, now() + interval '30 years', 'far_ahead', 'test')
                    """, [.int(member)])
                // An id taken and rolled back: the identity must not give it again.
                try c.query("SELECT nextval('member_history_id_seq')")
                return try c.query("SELECT h.id::text, h.member_id::text, h.at::text, h.action, h.actor, h.detail::text FROM member_history h ORDER BY h.id").map { r in
                    try (0..<6).map { try r.decode(String.self, at: $0) }
                }
            }
            try Migrator().migrate(configuration: db.configuration)
            try db.withConnection { c in
                let after = try c.query("SELECT h.id::text, h.member_id::text, h.at::text, h.action, h.actor, h.detail::text FROM member_history h ORDER BY h.id").map { r in
                    try (0..<6).map { try r.decode(String.self, at: $0) }
                }
                #expect(after == before)
                #expect(try c.query("SELECT relkind::text FROM pg_class WHERE relname = 'member_history'").single!.decode(String.self, at: 0) == "p")
                #expect(try c.query("SELECT to_regclass('member_history_unpartitioned') IS NULL").single!.decode(Bool.self, at: 0))
                #expect(try Self.partitionOf(c, action: "back_0") == "member_history_" + Self.month(c, 0))
                #expect(try Self.partitionOf(c, action: "ancient") == "member_history_default")
                #expect(try Self.partitionOf(c, action: "far_ahead") == "member_history_default")
                // Every month of the last 400 days with rows has its partition (only the two rows outside
                // sit in the DEFAULT one), and this month and the next three have theirs.
                #expect(try c.query("SELECT count(*) FROM member_history_default").single!.decode(Int.self, at: 0) == 2)
                for offset in 0...3 {
                    #expect(try c.query("SELECT to_regclass($1) IS NOT NULL", [.text("member_history_" + Self.month(c, offset))]).single!.decode(Bool.self, at: 0))
                }
                let last = Int64(before.last![0])!
                let next: Int64 = try c.query(
                    "INSERT INTO member_history (member_id, action, actor) SELECT member_id, 'after', 'test' FROM member_history LIMIT 1 RETURNING id"
                ).single!.decode(at: 0)
                #expect(next == last + 2)
            }
        }
    }

    @Test("partitions are made ahead once, by two makers at once, and the newest month is reported")
    func madeAheadIdempotently() async throws {
        try await withTestDatabase { db in
            let configuration = db.configuration
            // The migration made this month and the next three.
            let three = try db.withConnection { try PartitionMaintainer(monthsAhead: 3).ensure(on: $0) }
            #expect(three.created.isEmpty)
            let maker = PartitionMaintainer(monthsAhead: 6)
            async let a = Task.detached { try PostgresConnection(configuration: configuration).ensureClosing { try maker.ensure(on: $0) } }.value
            async let b = Task.detached { try PostgresConnection(configuration: configuration).ensureClosing { try maker.ensure(on: $0) } }.value
            let (ra, rb) = try await (a, b)
            let wanted = try db.withConnection { c in try (4...6).map { "member_history_" + (try Self.month(c, $0)) } }
            // Member history's months (the tables partitioned by month id get theirs too: MonthIDPartitionTests).
            #expect((ra.created + rb.created).filter { $0.hasPrefix("member_history_") }.sorted() == wanted)
            #expect(ra.created.isEmpty || rb.created.isEmpty)
            let again = try db.withConnection { try maker.ensure(on: $0) }
            #expect(again.created.isEmpty)
            let newest = try db.withConnection { try Self.month($0, 6) }
            #expect(again.newestMonth == newest.replacingOccurrences(of: "_", with: "-"))
            let start = try db.withConnection { c in
                try c.query("SELECT extract(epoch FROM (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '6 months') AT TIME ZONE 'UTC')::bigint")
                    .single!.decode(Int64.self, at: 0)
            }
            #expect(again.newestMonthStart == start)
        }
    }

    @Test("a row far in the past or the future lands in the DEFAULT partition, and moves when its month is made")
    func outsideRowsGoToDefault() async throws {
        try await withTestDatabase { db in
            try db.withConnection { c in
                let member: Int64 = try c.query("INSERT INTO member DEFAULT VALUES RETURNING id").single!.decode(at: 0)
                try c.query(
                    """
                    INSERT INTO member_history (member_id, at, action, actor) VALUES
                        ($1, '1999-12-31 23:59:59+00', 'past', 'test'),
                        ($1, date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '24 months 1 day', 'future', 'test'),
                        ($1, now(), 'now', 'test')
                    """, [.int(member)])
                #expect(try Self.partitionOf(c, action: "past") == "member_history_default")
                #expect(try Self.partitionOf(c, action: "future") == "member_history_default")
                #expect(try Self.partitionOf(c, action: "now") == "member_history_" + Self.month(c, 0))
                // Making partitions ahead leaves the DEFAULT rows alone and nothing fails.
                #expect(try PartitionMaintainer(monthsAhead: 5).ensure(on: c).created.filter { $0.hasPrefix("member_history_") }.count == 2)
                // The future row's month, once made, takes it out of the DEFAULT partition.
                let made = try PartitionMaintainer(monthsAhead: 24).ensure(on: c)
                #expect(made.created.filter { $0.hasPrefix("member_history_") }.count == 19)
                #expect(try Self.partitionOf(c, action: "future") == "member_history_" + Self.month(c, 24))
                #expect(try Self.partitionOf(c, action: "past") == "member_history_default")
                #expect(try c.query("SELECT count(*) FROM member_history").single!.decode(Int.self, at: 0) == 3)
                #expect(try c.query("SELECT count(*) FROM member_history WHERE member_id = $1", [.int(member)]).single!.decode(Int.self, at: 0) == 3)
            }
        }
    }
}

/// crmd's round of making partitions (`PartitionService`, run at start and daily) and its metric.
@Suite("partition service")
struct PartitionServiceTests {
    @Test("a round makes the months ahead that --partitions-ahead asks for and sets crmd_partition_newest_month_seconds")
    func roundSetsMetric() async throws {
        try await withTestServer({ $0.partitionsAhead = 5 }) { server in
            let service = PartitionService(context: server.context)
            #expect(await service.round())
            #expect(await service.round())  // again: nothing to do, still a success
            let (names, start) = try server.database.withConnection { c in
                let names = try (4...5).map { "member_history_" + (try PartitionTests.month(c, $0)) }
                let start: Int64 = try c.query(
                    "SELECT extract(epoch FROM (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '5 months') AT TIME ZONE 'UTC')::bigint"
                ).single!.decode(at: 0)
                for name in names {
                    #expect(try c.query("SELECT to_regclass($1) IS NOT NULL", [.text(name)]).single!.decode(Bool.self, at: 0))
                }
                return (names, start)
            }
            #expect(names.count == 2)
            let text = server.context.metrics.exposition(pool: server.pool.statistics, databaseUp: true)
            #expect(PrometheusSamples(exposition: text).value("crmd_partition_newest_month_seconds") == Double(start))
        }
    }
}

extension PostgresConnection {
    /// Runs `body` with this connection and closes it afterwards.
    fileprivate func ensureClosing<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        defer { close() }
        return try body(self)
    }
}
