import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stopping crmd while a request cannot finish.
@Suite("shutdown")
struct ShutdownTests {
    /// The identity lock every push that resolves members takes (`IngestEngine.identityLockKey`, "crm_id").
    static let identityLockKey: Int64 = 0x63726d5f6964

    @Test("cancelling the task of a pool caller stops its statement in PostgreSQL and rolls its transaction back")
    func poolCancellation() async throws {
        try await withTestDatabase { db in
            let pool = PostgresPool(configuration: db.configuration, limits: .init(maxConnections: 1))
            try await pool.withConnection { try $0.execute(script: "CREATE TABLE t (x int)") }
            let work = Task {
                try await pool.withTransaction { c in
                    try c.query("INSERT INTO t VALUES (1)")
                    try c.query("SELECT pg_sleep(600)")
                }
            }
            // Cancel once the sleep is running.
            var sleeping = 0
            for _ in 0..<600 where sleeping == 0 {
                sleeping = try await db.scalar("SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600)' AND datname = current_database()")
                if sleeping == 0 { try await Task.sleep(nanoseconds: 50_000_000) }
            }
            #expect(sleeping == 1)
            work.cancel()
            let outcome = await work.result
            if case .failure(let error as PostgresError) = outcome {
                #expect(error.kind == .cancelled)
            } else {
                Issue.record("the cancelled call ended with \(outcome)")
            }
            // Nothing of it stayed, and the pool serves the next caller on a fresh connection.
            #expect(try await pool.withConnection { try $0.query("SELECT count(*) FROM t").single!.decode(Int.self, at: 0) } == 0)
            #expect(pool.statistics.connectionsDiscarded == 1)
            await pool.close()
        }
    }

    @Test("SIGTERM while a push waits on a lock past the grace period: the statement is cancelled, nothing is written, crmd exits 0")
    func cancelsStuckRequestAtShutdown() async throws {
        try await withTestDatabase { db in
            let port = freePort()
            let admin = AccessToken.generate()
            let crmd = try await startCRMD(
                arguments: ["--database-url", db.connectionString, "--shutdown-timeout", "1"],
                environment: ["CRM_ADMIN_TOKEN": admin], port: port)
            defer { Task { await crmd.kill9() } }
            let setup = try await RPCClient.connect(host: "127.0.0.1", port: port)
            _ = try await setup.call("session.hello", ["token": .string(admin)])
            _ = try await setup.call("shop.create", ["code": "sh01"])
            await setup.close()

            // Hold the identity lock from outside, as a long merge elsewhere would.
            let holder = try PostgresConnection(configuration: db.configuration)
            defer { holder.close() }
            try holder.query("SELECT pg_advisory_lock($1)", [.int(Self.identityLockKey)])

            let client = try RawConnection(port: port)
            client.send(#"{"jsonrpc":"2.0","method":"session.hello","id":1,"params":{"token":"\#(admin)"}}"# + "\n")
            #expect(await client.readJSON()?["result"] != nil)
            let push: JSONValue = [
                "jsonrpc": "2.0", "method": "sync.push", "id": 2,
                "params": ["shop": "sh01", "events": [Events.upsert("u1", "web", "w-1", ["name": "王小明", "phone": "13800138000"])]],
            ]
            client.send(JSONSerializer.serialize(push) + "\n")
            // Wait until the push is queued behind the lock.
            var waiting = 0
            for _ in 0..<600 where waiting == 0 {
                waiting = try await db.scalar(
                    """
                    SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                    WHERE d.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted
                    """)
                if waiting == 0 { try await Task.sleep(nanoseconds: 50_000_000) }
            }
            #expect(waiting == 1)

            crmd.signal(SIGTERM)
            let status = await crmd.wait(timeout: 60)
            #expect(status == 0, "\(crmd.log)")
            #expect(crmd.log.contains("cancelled a database statement in progress"), "\(crmd.log)")
            // The client hears that the request failed.
            let reply = await client.readJSON(timeout: 5)
            #expect(reply?["error"]?["code"] == -32050)
            #expect(reply?["error"]?["data"]?["reason"] == "shutting_down", "\(String(describing: reply))")
            // Nothing of the push was written.
            #expect(try await db.scalar("SELECT count(*) FROM sync_event") == 0)
            #expect(try await db.scalar("SELECT count(*) FROM account") == 0)
        }
    }
}
