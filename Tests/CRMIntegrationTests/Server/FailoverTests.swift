import CRMClient
import CRMPostgres
import CRMProtocol
import Foundation
import Testing

/// PostgreSQL failover as crmd meets it: a multi-host URL where libpq picks the server that takes
/// writes, and a primary that turns read-only under crmd (a switchover, a demotion). scripts/failover
/// runs the whole of it with a real streaming replica promoted while agents push.
@Suite("failover: multi-host URLs and a primary that turns read-only")
struct FailoverTests {
    /// Sets the test database's default to read-only transactions (or back) and, when turning it
    /// read-only, ends its sessions and waits until they are gone, so that crmd reconnects to a
    /// "primary" that has become a standby.
    static func setReadOnly(_ database: TestDatabase, _ readOnly: Bool) async throws {
        let c = try PostgresConnection(configuration: TestDatabase.serverConfiguration)
        defer { c.close() }
        try c.query("ALTER DATABASE \(database.name) \(readOnly ? "SET default_transaction_read_only = on" : "RESET default_transaction_read_only")")
        guard readOnly else { return }
        for _ in 0..<100 {
            let left: Int = try c.query(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [.text(database.name)]
            ).single!.decode(at: 0)
            if left == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test("a write that meets a read-only server fails as retryable and its connection is discarded: the next write reaches a server that takes it")
    func readOnlyPrimary() async throws {
        // One connection: a kept read-only connection would fail the last write again.
        try await withTestServer(poolSize: 1) { server in
            let admin = try await server.adminClient()
            defer { Task { await admin.close() } }
            _ = try await admin.call("shop.create", ["code": "sh01"])
            try await Self.setReadOnly(server.database, true)
            let discarded = server.pool.statistics.connectionsDiscarded
            let error = await rpcError { try await admin.call("shop.create", ["code": "sh02"]) }
            #expect(error?.code == RPCErrorCode.unavailable)
            #expect(error?.retryable == true)
            #expect(error?.reason == "database_unavailable")
            #expect(error?.message.contains("read-only") == true)
            #expect(server.pool.statistics.connectionsDiscarded > discarded)
            try await Self.setReadOnly(server.database, false)
            _ = try await admin.call("shop.create", ["code": "sh02"])
            #expect(try await admin.call("shop.list", [:])["shops"]?.arrayValue?.count == 2)
        }
    }

    @Test("a multi-host URL with target_session_attrs=read-write passes over a host that is down and refuses a read-only one")
    func multiHostURL() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let host = env["PGHOST"], let port = env["PGPORT"] else { return }
        try await withTestDatabase { database in
            let url = "host=/nonexistent-crm-primary,\(host) port=\(port),\(port) target_session_attrs=read-write"
            let pool = PostgresPool(configuration: PostgresConfiguration(connectionString: url, applicationName: "crm-tests").with(database: database.name))
            let one: Int = try await pool.withConnection { try $0.query("SELECT 1").single!.decode(at: 0) }
            #expect(one == 1)
            await pool.close()

            // The only host left is read-only: libpq refuses it rather than hand crmd a standby.
            try await Self.setReadOnly(database, true)
            let readOnly = PostgresPool(configuration: PostgresConfiguration(connectionString: url, applicationName: "crm-tests").with(database: database.name))
            await #expect {
                try await readOnly.withConnection { try $0.query("SELECT 1") }
            } throws: { error in
                (error as? PostgresError)?.isConnectionFailure == true
            }
            await readOnly.close()
            try await Self.setReadOnly(database, false)
        }
    }
}
