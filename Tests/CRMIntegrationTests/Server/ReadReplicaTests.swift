import CRMClient
import CRMPostgres
import CRMProtocol
import Foundation
import Testing

/// `crmd serve --replica-url`: reports, segment previews and export pages read from the replica and
/// say its lag; writes stay on the primary. The "replica" here is the test's own database reached
/// as a role whose transactions are read only (as a hot standby's are): every write sent there
/// would fail with SQLSTATE 25006.
@Suite("a read replica for reports, previews and exports")
struct ReadReplicaTests {
    /// A superuser role (it reads every table) whose sessions default to read-only transactions.
    static func createReadOnlyRole() throws -> String {
        let role = "crm_ro_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let c = try PostgresConnection(configuration: TestDatabase.serverConfiguration)
        defer { c.close() }
        try c.query("CREATE ROLE \(role) LOGIN SUPERUSER")
        try c.query("ALTER ROLE \(role) SET default_transaction_read_only = on")
        return role
    }

    static func dropRole(_ role: String) {
        guard let c = try? PostgresConnection(configuration: TestDatabase.serverConfiguration) else { return }
        defer { c.close() }
        _ = try? c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", [.text(role)])
        _ = try? c.query("DROP ROLE IF EXISTS \(role)")
    }

    static func replica(role: String) -> (TestDatabase) -> PostgresConfiguration {
        { database in
            PostgresConfiguration(connectionString: database.connectionString + " user=\(role)", applicationName: "crm-tests-replica")
        }
    }

    @Test("writes work with a read-only replica configured; reports, previews and exports come from it with replica_lag_seconds")
    func readsGoToTheReplica() async throws {
        let role = try Self.createReadOnlyRole()
        defer { Self.dropRole(role) }
        try await withTestServer(replica: Self.replica(role: role)) { server in
            // Writes (shops, the fixture's pushes, a saved segment): each would fail on the read-only replica.
            let admin = try await server.adminWithShops()
            defer { Task { await admin.close() } }
            _ = try await SegmentFixture.load(admin)
            _ = try await admin.call("segment.save", ["name": "buyers", "filter": ["not": ["lifecycle": ["prospect"]]]])
            let opened = server.context.replica!.statistics.connectionsOpened
            #expect(opened == 0)

            let levels = try await admin.call("report.levels", [:])
            #expect(levels["replica_lag_seconds"]?.doubleValue == 0)
            #expect(levels["members"]?.int64Value == 7)
            let rfm = try await admin.call("report.rfm", ["as_of": .string(SegmentFixture.asOf)])
            #expect(rfm["replica_lag_seconds"]?.doubleValue == 0)
            let preview = try await admin.call("segment.preview", ["name": "buyers", "as_of": .string(SegmentFixture.asOf)])
            #expect(preview["replica_lag_seconds"]?.doubleValue == 0)
            #expect(preview["count"] == 6)
            let export = try await admin.call("segment.export", ["name": "buyers", "limit": 2, "as_of": .string(SegmentFixture.asOf)])
            #expect(export["total"] == preview["count"])
            let next = try await admin.call("segment.export", ["cursor": export["next_cursor"]!])
            #expect(next["replica_lag_seconds"]?.doubleValue == 0)
            #expect(server.context.replica!.statistics.connectionsOpened > 0)

            let stats = try await admin.call("server.stats")
            #expect(stats["replica"] == "ok")
            #expect(stats["replica_pool"]?["max"]?.int64Value == 4)
            let health = try await admin.call("server.health")
            #expect(health["replica"] == "ok" && health["status"] == "ok")
        }
    }

    @Test("without a replica, reports carry no replica_lag_seconds and health names none")
    func noReplica() async throws {
        try await withTestServer { server in
            let admin = try await server.adminClient()
            defer { Task { await admin.close() } }
            let levels = try await admin.call("report.levels", [:])
            #expect(levels["replica_lag_seconds"] == nil)
            #expect(try await admin.call("server.health")["replica"] == nil)
            #expect(try await admin.call("server.stats")["replica_pool"] == nil)
        }
    }

    @Test("a replica that cannot be reached sends its reads to the primary and shows as down")
    func replicaDown() async throws {
        let nowhere: (TestDatabase) -> PostgresConfiguration = { database in
            PostgresConfiguration(connectionString: database.connectionString + " host=/nonexistent-crm-replica", applicationName: "crm-tests-replica")
        }
        try await withTestServer(replica: nowhere) { server in
            let admin = try await server.adminClient()
            defer { Task { await admin.close() } }
            let levels = try await admin.call("report.levels", [:])
            #expect(levels["replica_lag_seconds"] == nil)
            #expect(levels["members"]?.int64Value == 0)
            let stats = try await admin.call("server.stats")
            #expect(stats["replica"] == "down" && stats["database"] == "ok")
            let health = try await admin.call("server.health")
            #expect(health["replica"] == "down" && health["status"] == "ok")
        }
    }
}
