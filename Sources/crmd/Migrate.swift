import ArgumentParser
import CRMServer
import CRMStorage
import Foundation

/// `crmd migrate`: apply pending migrations and exit.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations and exit (a no-op when up to date).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = try database.bootstrapLogging()
        let setup = try DatabaseSetup.prepare(
            databaseURL: database.resolvedURL, dataDirectory: database.resolvedDataDirectory,
            statementTimeoutMilliseconds: 0, pooler: try database.resolvedPooler(), logger: logger)
        defer { setup.shutdown(logger: logger) }
        // With a key file, rows written before personal data was sealed are sealed now; without one, crmd serve does it.
        let keys = FileManager.default.fileExists(atPath: database.resolvedKeyFile) ? try database.keySource() : nil
        let applied = try Migrator(logger: logger).migrate(configuration: setup.configuration, keys: keys)
        print(applied.isEmpty ? "schema is up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", "))")
    }
}
