import CRMPostgres
import CRMStorage
import Foundation
import Testing

@Suite("planner statistics during bulk loads")
struct StatisticsTests {
    @Test("a table that grew by half since its last analysis is analysed once; a small change is left to autovacuum")
    func growingTableAnalysed() async throws {
        try await withTestDatabase { db in
            let pool = PostgresPool(configuration: db.configuration, limits: .init(maxConnections: 2))
            let keeper = StatisticsKeeper(pool: pool)
            // The connection that writes reports its statistics when it closes.
            try db.withConnection { c in
                // Only crmd analyses here: autovacuum would also analyse 500 new rows of 3,000 (its
                // threshold is 50 plus a tenth), changing what the planner knows behind the test's back.
                try c.query("ALTER TABLE member SET (autovacuum_enabled = false)")
                try c.query("INSERT INTO member (created_at) SELECT now() FROM generate_series(1, 3000)")
                try c.query("INSERT INTO shop (code, name) VALUES ('s1', 's1')")
            }
            let analyzed = try await keeper.refreshUntilAnalysed("member")
            let member = try #require(analyzed.first { $0.table == "member" }, "member grew by 3,000 rows and was never analysed")
            #expect(member.countedBefore == 0)
            #expect(member.changedSince >= 3_000)
            #expect(!analyzed.contains { $0.table == "shop" }, "one new shop is below the 1,000 changed rows a table needs")
            // What the planner now knows: the rows ANALYZE counted.
            #expect(try await db.scalar("SELECT reltuples::int FROM pg_class WHERE relname = 'member'") == 3_000)

            // 500 more rows: less than half of 3,000 plus the floor, so nothing is analysed again.
            _ = try db.withConnection { c in try c.query("INSERT INTO member (created_at) SELECT now() FROM generate_series(1, 500)") }
            try await Task.sleep(for: .seconds(1))
            #expect(try await keeper.refresh().analyzed.contains { $0.table == "member" } == false)
            #expect(try await db.scalar("SELECT reltuples::int FROM pg_class WHERE relname = 'member'") == 3_000)
            await pool.close()
        }
    }
}

extension StatisticsKeeper {
    /// Rounds of `refresh` until one analyses `table` (the statistics collector may take a moment to
    /// show the writes), at most 100, 0.2 s apart; what they analysed, every round without a failure.
    func refreshUntilAnalysed(_ table: String) async throws -> [Analyzed] {
        var analyzed: [Analyzed] = []
        for _ in 0..<100 where !analyzed.contains(where: { $0.table == table }) {
            let round = try await refresh()
            #expect(round.failed.isEmpty)
            analyzed += round.analyzed
            if !analyzed.contains(where: { $0.table == table }) { try await Task.sleep(for: .milliseconds(200)) }
        }
        return analyzed
    }
}
