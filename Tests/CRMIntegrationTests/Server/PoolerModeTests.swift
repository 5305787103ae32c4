import Foundation
import Testing

@testable import CRMPostgres
@testable import CRMStorage

/// crmd behind a transaction-mode pooler (`--database-pooler transaction`), checked against
/// PostgreSQL itself: what it leaves on the server outlives no transaction. scripts/pgbouncer runs the
/// same through PgBouncer.
@Suite("transaction-mode pooler")
struct PoolerModeTests {
    static func pooled(_ configuration: PostgresConfiguration, timeout: Int = 1_500) -> PostgresConfiguration {
        var c = configuration
        c.pooler = .transaction
        c.statementTimeoutMilliseconds = timeout
        return c
    }

    @Test("no startup options, no named statements, and the statement timeout set in every transaction")
    func nothingOutlivesATransaction() throws {
        let configuration = Self.pooled(TestDatabase.serverConfiguration)
        #expect(!configuration.keywordValues.contains { $0.0 == "options" })
        let c = try PostgresConnection(configuration: configuration)
        defer { c.close() }
        for n in 1...3 { #expect(try c.queryPrepared("SELECT $1::int + 1", [.int(Int64(n))]).single!.decode(Int.self, at: 0) == n + 1) }
        #expect(try c.query("SELECT count(*) FROM pg_prepared_statements").single!.decode(Int.self, at: 0) == 0)
        let inside = try c.transaction { t in
            // The isolation level may still be chosen after the SET LOCAL that opens the transaction.
            try t.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return try t.query("SELECT current_setting('statement_timeout'), current_setting('transaction_isolation')").single!
        }
        #expect(try inside.decode(String.self, at: 0) == "1500ms")
        #expect(try inside.decode(String.self, at: 1) == "repeatable read")
        #expect(try c.query("SELECT current_setting('statement_timeout')").single!.decode(String.self, at: 0) != "1500ms")
    }

    @Test("a statement longer than the timeout fails as a timeout inside a transaction")
    func timeoutPerTransaction() throws {
        let c = try PostgresConnection(configuration: Self.pooled(TestDatabase.serverConfiguration, timeout: 100))
        defer { c.close() }
        #expect {
            try c.transaction { t in try t.query("SELECT pg_sleep(2)") }
        } throws: { ($0 as? PostgresError)?.kind == .timeout }
        #expect(try c.query("SELECT 1").single!.decode(Int.self, at: 0) == 1)
    }

    @Test("a prepared statement missing from the server connection is an error naming the setting, and the connection is dropped")
    func strandedStatementNamesTheSetting() throws {
        let c = try PostgresConnection(configuration: TestDatabase.serverConfiguration)
        defer { c.close() }
        try c.queryPrepared("SELECT $1::int", [.int(1)])
        // What a transaction-mode pooler does: the next call lands on a server connection that never saw it.
        try c.query("DEALLOCATE ALL")
        #expect {
            try c.queryPrepared("SELECT $1::int", [.int(2)])
        } throws: { error in
            let e = error as? PostgresError
            return e?.sqlState == "26000" && (e?.message.contains("--database-pooler transaction") ?? false)
        }
        #expect(!c.isReusable)
    }

    @Test("PgBouncer's refusal of the startup options is reworded to name the setting")
    func refusedStartupParameter() {
        let refused = PostgresError(kind: .connection, message: "connection to server failed: FATAL:  unsupported startup parameter: options")
        #expect(PoolerMode.explained(refused).message.contains("--database-pooler transaction"))
        let other = PostgresError(kind: .connection, message: "connection refused")
        #expect(PoolerMode.explained(other).message == "connection refused")
    }

    @Test("migrations refuse the pooler; what is pending is read through it; dropped startup options are refused")
    func migrationsGoDirect() async throws {
        try await withTestDatabase(migrate: false) { db in
            let pooled = Self.pooled(db.configuration)
            #expect(throws: MigrationError.self) { try Migrator().migrate(configuration: pooled) }
            #expect(try Migrator().pending(configuration: pooled) == Migration.embedded.map(\.version))
            try Migrator().migrate(configuration: db.configuration)
            #expect(try Migrator().pending(configuration: pooled).isEmpty)
            // Behind a pooler crmd serve checks its key file as migrating does: a wrong one is refused by name.
            try db.withConnection { c in
                _ = try c.query("INSERT INTO member DEFAULT VALUES")
                _ = try c.query("INSERT INTO data_key (member_id, master_key_id, wrapped) VALUES (currval('member_id_seq'), 'm7', '\\x00')")
            }
            let wrongKeys = try KeySource(path: TestKeys.path)
            #expect(performing: { try Migrator().pending(configuration: pooled, keys: wrongKeys) }, throws: { "\($0)".contains("master key m7") })
            // A pooler that ignores the startup options connects, but the session shows it.
            let c = try PostgresConnection(configuration: pooled)
            defer { c.close() }
            #expect(throws: MigrationError.self) { try Migrator.refuseDroppedStartupOptions(c) }
            let direct = try PostgresConnection(configuration: db.configuration)
            defer { direct.close() }
            try Migrator.refuseDroppedStartupOptions(direct)
        }
    }

    @Test("the statistics keeper analyses under a transaction lock behind the pooler")
    func statisticsBehindThePooler() async throws {
        try await withTestDatabase { db in
            let pool = PostgresPool(configuration: Self.pooled(db.configuration, timeout: 30_000), limits: .init(maxConnections: 2))
            let keeper = StatisticsKeeper(pool: pool)
            try db.withConnection { c in
                try c.query("ALTER TABLE member SET (autovacuum_enabled = false)")
                try c.query("INSERT INTO member (created_at) SELECT now() FROM generate_series(1, 3000)")
            }
            let analyzed = try await keeper.refreshUntilAnalysed("member")
            #expect(analyzed.contains { $0.table == "member" })
            #expect(try await db.scalar("SELECT reltuples::int FROM pg_class WHERE relname = 'member'") == 3_000)
            // No session lock left behind in this database (other tests' databases may hold theirs).
            #expect(
                try await db.scalar(
                    "SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ) == 0)
            await pool.close()
        }
    }
}
