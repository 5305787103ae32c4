import CRMPostgres
import CRMStorage
import Foundation

/// A fresh, migrated database of its own for one test, on the server named by `PG*` (started by
/// scripts/test). Dropped at the end.
struct TestDatabase {
    let name: String
    let configuration: PostgresConfiguration

    /// The server's connection settings from the environment (libpq reads `PGHOST` & co itself).
    static var serverConfiguration: PostgresConfiguration {
        PostgresConfiguration(
            connectionString: ProcessInfo.processInfo.environment["CRM_TEST_DATABASE_URL"] ?? "",
            applicationName: "crm-tests", statementTimeoutMilliseconds: 30_000)
    }

    static func create(migrate: Bool = true) throws -> TestDatabase {
        let name = "crm_t_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        _ = TestKeys.path  // every crmd a test spawns on this database inherits CRM_KEY_FILE
        let server = serverConfiguration
        try DatabaseBootstrap.createDatabaseIfMissing(name, configuration: server)
        let configuration = server.with(database: name)
        if migrate { try Migrator().migrate(configuration: configuration) }
        return TestDatabase(name: name, configuration: configuration)
    }

    func drop() {
        try? DatabaseBootstrap.dropDatabase(name, configuration: Self.serverConfiguration)
    }

    /// A libpq connection string for a child process (crmd) to reach this database.
    var connectionString: String {
        let env = ProcessInfo.processInfo.environment
        var parts: [String] = []
        if let base = env["CRM_TEST_DATABASE_URL"], !base.isEmpty { parts.append(base) }
        if let host = env["PGHOST"] { parts.append("host=\(host)") }
        if let port = env["PGPORT"] { parts.append("port=\(port)") }
        if let user = env["PGUSER"] { parts.append("user=\(user)") }
        parts.append("dbname=\(name)")
        return parts.joined(separator: " ")
    }

    /// The integer a one-value query returns, computed on a thread of its own (polling loops must
    /// not hold Swift's cooperative threads, which the in-process servers of other tests need).
    func scalar(_ sql: String) async throws -> Int {
        let configuration = self.configuration
        return try await offThread {
            Result { () throws -> Int in
                let c = try PostgresConnection(configuration: configuration)
                defer { c.close() }
                return try c.query(sql).single!.decode(Int.self, at: 0)
            }
        }.get()
    }

    /// Runs `body` with a connection of its own (for arranging and checking state directly).
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try PostgresConnection(configuration: configuration)
        defer { connection.close() }
        return try body(connection)
    }
}

/// Runs `body` with a fresh database, dropped afterwards whatever happens.
func withTestDatabase<T>(migrate: Bool = true, _ body: (TestDatabase) async throws -> T) async throws -> T {
    let database = try TestDatabase.create(migrate: migrate)
    do {
        let value = try await body(database)
        database.drop()
        return value
    } catch {
        database.drop()
        throw error
    }
}
