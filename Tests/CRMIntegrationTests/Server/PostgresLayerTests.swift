import CRMPostgres
import Foundation
import Testing

@Suite("libpq layer")
struct PostgresLayerTests {
    @Test("NULLs, unicode, quotes and backslashes survive a round trip as parameters")
    func parametersRoundTrip() throws {
        try withFreshConnection { c in
            let tricky = "O'Brien \"quoted\" \\back\\slash; DROP TABLE x; -- 王小明 😀 \u{0001}"
            let row = try c.query("SELECT $1::text AS a, $2::text AS b, $3::bigint AS c, $4::boolean AS d", [.text(tricky), .null, .int(-42), .bool(true)])
                .single!
            #expect(try row.decode(String.self, column: "a") == tricky)
            #expect(try row.decode(String?.self, column: "b") == nil)
            #expect(try row.decode(Int64.self, column: "c") == -42)
            #expect(try row.decode(Bool.self, column: "d") == true)
            #expect(throws: PostgresError.self) { try row.decode(String.self, column: "b") }
        }
    }

    @Test("text arrays with quotes, commas, braces and NULLs expand through unnest")
    func textArrays() throws {
        try withFreshConnection { c in
            let values: [String?] = ["a,b", "{x}", "say \"hi\"", nil, "back\\slash", "", "蕾絲"]
            let rows = try c.query("SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n", [.textArray(values)])
            #expect(try rows.map { try $0.decode(String?.self, at: 0) } == values)
            let ints = try c.query("SELECT sum(v)::bigint FROM unnest($1::bigint[]) AS t(v)", [.intArray([1, nil, Int64.max - 10, 9])]).single!
            #expect(try ints.decode(Int64.self, at: 0) == Int64.max)
            // Every digit count and sign, the extremes included, as array elements and alone.
            let edges: [Int64?] = [Int64.min, -1, 0, 7, nil, 1_000_000_000, Int64.max]
            let listed = try c.query("SELECT $1::bigint[]::text", [.intArray(edges)]).single!
            #expect(try listed.decode(String.self, at: 0) == "{-9223372036854775808,-1,0,7,NULL,1000000000,9223372036854775807}")
            for value in edges.compactMap({ $0 }) {
                #expect(try c.query("SELECT $1::bigint", [.int(value)]).single!.decode(Int64.self, at: 0) == value)
            }
        }
    }

    @Test("bytea parameters and results, including zero bytes")
    func bytes() throws {
        try withFreshConnection { c in
            let payload: [UInt8] = [0, 1, 2, 255, 0, 39, 92]
            let row = try c.query("SELECT $1::bytea, length($1::bytea)", [.bytes(payload)]).single!
            #expect(try row.decode([UInt8].self, at: 0) == payload)
            #expect(try row.decode(Int.self, at: 1) == payload.count)
        }
    }

    @Test("a unique violation carries SQLSTATE 23505 and the constraint name")
    func uniqueViolation() throws {
        try withFreshConnection { c in
            try c.query("CREATE TEMP TABLE t (k text CONSTRAINT t_k_unique UNIQUE)")
            try c.query("INSERT INTO t VALUES ($1)", ["x"])
            do {
                try c.query("INSERT INTO t VALUES ($1)", ["x"])
                Issue.record("the second insert should fail")
            } catch let error as PostgresError {
                #expect(error.sqlState == "23505")
                #expect(error.isUniqueViolation)
                #expect(error.constraint == "t_k_unique")
                #expect(error.kind == .server)
            }
            // The connection is still usable after a statement error.
            #expect(try c.query("SELECT count(*) FROM t").single!.decode(Int.self, at: 0) == 1)
        }
    }

    @Test("a transaction rolls back when its body throws, and commits otherwise")
    func transactions() throws {
        try withFreshConnection { c in
            try c.query("CREATE TEMP TABLE t (v int)")
            struct Boom: Error {}
            #expect(throws: Boom.self) {
                try c.transaction { c in
                    try c.query("INSERT INTO t VALUES (1)")
                    throw Boom()
                }
            }
            try c.transaction { c in try c.query("INSERT INTO t VALUES (2)") }
            #expect(try c.query("SELECT v FROM t").map { try $0.decode(Int.self, at: 0) } == [2])
        }
    }

    @Test("a statement over the statement timeout fails as a timeout")
    func statementTimeout() throws {
        var configuration = TestDatabase.serverConfiguration
        configuration.statementTimeoutMilliseconds = 100
        let c = try PostgresConnection(configuration: configuration)
        defer { c.close() }
        do {
            try c.query("SELECT pg_sleep(2)")
            Issue.record("pg_sleep should have been cancelled")
        } catch {
            #expect(error.kind == .timeout)
            #expect(error.sqlState == "57014")
        }
    }

    @Test("a wrong address is a connection error, not a crash")
    func connectionFailure() {
        let configuration = PostgresConfiguration(connectionString: "host=/nonexistent-crm-socket-dir port=1 user=nobody dbname=x")
        do {
            _ = try PostgresConnection(configuration: configuration)
            Issue.record("connecting should fail")
        } catch {
            #expect(error.kind == .connection)
            #expect(error.isConnectionFailure)
        }
    }

    @Test("the pool bounds connections, queues waiters, and refuses beyond the queue")
    func poolLimits() async throws {
        let pool = PostgresPool(
            configuration: TestDatabase.serverConfiguration,
            limits: .init(maxConnections: 2, maxWaiters: 1, acquireTimeoutSeconds: 30))
        // Two statements that wait on a lock the test holds keep both connections busy until it lets go.
        let blocker = try PostgresConnection(configuration: TestDatabase.serverConfiguration)
        defer { blocker.close() }
        let lockKey = Int64.random(in: 1...Int64.max)
        try blocker.query("SELECT pg_advisory_lock($1)", [.int(lockKey)])
        let hold: @Sendable () async throws -> Void = {
            _ = try await pool.withConnection { try $0.query("SELECT pg_advisory_xact_lock_shared($1)", [.int(lockKey)]) }
        }
        async let first: Void = hold()
        async let second: Void = hold()
        try await waitUntil { pool.statistics.inUse == 2 }
        async let waiter: Int = pool.withConnection { try $0.query("SELECT 7").single!.decode(Int.self, at: 0) }
        try await waitUntil { pool.statistics.waiting == 1 }
        do {
            _ = try await pool.withConnection { try $0.query("SELECT 1") }
            Issue.record("a caller beyond the wait queue must be refused")
        } catch let error as PostgresError {
            #expect(error.kind == .poolExhausted)
        }
        try blocker.query("SELECT pg_advisory_unlock($1)", [.int(lockKey)])
        try await first
        try await second
        #expect(try await waiter == 7)
        #expect(pool.statistics.open <= 2)
        #expect(pool.statistics.refused == 1)
        await pool.close()
    }

    /// Polls a condition (state reached by other tasks), failing after 30 s.
    private func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<3_000 {
            if condition() { return }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        Issue.record("condition not reached within 30 s")
    }

    @Test("the pool reconnects after the database restarts")
    func reconnectAfterRestart() async throws {
        let directory = NSTemporaryDirectory() + "crm-restart-" + UUID().uuidString.prefix(8)
        let cluster = try LocalCluster(directory: directory, port: 5433, settings: ["fsync": "off"])
        try cluster.start()
        defer {
            try? cluster.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let configuration = PostgresConfiguration(connectionString: cluster.connectionString(database: "postgres"))
        let pool = PostgresPool(configuration: configuration, limits: .init(maxConnections: 2))
        let before = try await pool.withConnection { try $0.query("SELECT pg_backend_pid()").single!.decode(Int.self, at: 0) }
        try cluster.restart()
        // The idle connection died with the old server; the pool notices and opens a new one.
        let after = try await pool.withConnection { try $0.query("SELECT pg_backend_pid()").single!.decode(Int.self, at: 0) }
        #expect(before != after)
        #expect(pool.statistics.connectionsDiscarded >= 1)
        await pool.close()
    }

    private func withFreshConnection(_ body: (PostgresConnection) throws -> Void) throws {
        let c = try PostgresConnection(configuration: TestDatabase.serverConfiguration)
        defer { c.close() }
        try body(c)
    }
}
