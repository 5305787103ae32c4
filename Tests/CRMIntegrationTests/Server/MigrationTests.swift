import CRMPostgres
import CRMStorage
import Foundation
import Testing

@Suite("migrations")
struct MigrationTests {
    @Test("the embedded migrations are exactly the files in sql/")
    func embeddedMatchFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let sqlDirectory = root.appendingPathComponent("sql")
        let files = try FileManager.default.contentsOfDirectory(atPath: sqlDirectory.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.count == Migration.embedded.count, "run scripts/embed-migrations")
        for (file, migration) in zip(files, Migration.embedded) {
            let text = try String(contentsOf: sqlDirectory.appendingPathComponent(file), encoding: .utf8)
            #expect(file.hasPrefix(String(format: "%04d_", migration.version)))
            #expect(text == migration.sql + "\n" || text == migration.sql, "\(file) differs from the embedded copy: run scripts/embed-migrations")
        }
    }

    @Test("running migrations twice applies nothing the second time")
    func idempotent() async throws {
        try await withTestDatabase(migrate: false) { db in
            let first = try Migrator().migrate(configuration: db.configuration)
            #expect(first == Migration.embedded.map(\.version))
            let second = try Migrator().migrate(configuration: db.configuration)
            #expect(second.isEmpty)
            let count = try db.withConnection { try $0.query("SELECT count(*) FROM schema_migration").single!.decode(Int.self, at: 0) }
            #expect(count == Migration.embedded.count)
        }
    }

    @Test("two runners at once: each migration is applied exactly once")
    func concurrentRunners() async throws {
        try await withTestDatabase(migrate: false) { db in
            let configuration = db.configuration
            async let a = Task.detached { try Migrator().migrate(configuration: configuration) }.value
            async let b = Task.detached { try Migrator().migrate(configuration: configuration) }.value
            let (ra, rb) = try await (a, b)
            #expect((ra + rb).sorted() == Migration.embedded.map(\.version))
            let count = try db.withConnection { try $0.query("SELECT count(*) FROM schema_migration").single!.decode(Int.self, at: 0) }
            #expect(count == Migration.embedded.count)
        }
    }

    @Test("an applied migration that was edited is refused")
    func editedMigrationRefused() async throws {
        try await withTestDatabase { db in
            var edited = Migration.embedded
            let first = edited[0]
            edited[0] = Migration(version: first.version, name: first.name, sql: first.sql + "\n-- edited")
            #expect(throws: MigrationError.self) { try Migrator(migrations: edited).migrate(configuration: db.configuration) }
        }
    }

    @Test("a failing migration leaves nothing behind")
    func failingMigrationRollsBack() async throws {
        try await withTestDatabase { db in
            let next = (Migration.embedded.last?.version ?? 0) + 1
            let broken = Migration.embedded + [Migration(version: next, name: "broken", sql: "CREATE TABLE half_done (x int); SELECT 1/0;")]
            #expect(throws: PostgresError.self) { try Migrator(migrations: broken).migrate(configuration: db.configuration) }
            let exists = try db.withConnection { try $0.query("SELECT to_regclass('half_done') IS NOT NULL").single!.decode(Bool.self, at: 0) }
            #expect(exists == false)
            let recorded = try db.withConnection {
                try $0.query("SELECT count(*) FROM schema_migration WHERE version = $1", [.int(Int64(next))]).single!.decode(Int.self, at: 0)
            }
            #expect(recorded == 0)
        }
    }
}
