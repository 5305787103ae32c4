import ArgumentParser
import CRMServer
import CRMStorage

/// `crmd migrate`: apply pending migrations and exit.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations and exit (a no-op when up to date).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = try database.bootstrapLogging()
        let setup = try DatabaseSetup.prepare(
            databaseURL: database.resolvedURL, dataDirectory: database.resolvedDataDirectory,
            statementTimeoutMilliseconds: 0, logger: logger)
        defer { setup.shutdown(logger: logger) }
        let applied = try Migrator(logger: logger).migrate(configuration: setup.configuration)
        print(applied.isEmpty ? "schema is up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", "))")
    }
}
