import ArgumentParser
import CRMDomain
import CRMPostgres
import CRMServer
import CRMStorage

/// `crmd token create`: issue a token straight in the database (the way to get a first admin token).
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage tokens directly in the database.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it once.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "admin, operator, analyst or agent.") var role: String
        @Option(help: "The shop an agent token is bound to.") var shop: String?
        @Option(help: "A name to recognise the token by.") var name: String?

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role must be admin, operator, analyst or agent") }
            if let problem = role.shopProblem(shop) { throw ValidationError(problem + " (--shop)") }
            guard let name = DisplayName.validate(name ?? "\(role.rawValue) token (crmd token create)") else {
                throw ValidationError("--name must be 1-\(DisplayName.maxLength) printable characters")
            }
            let logger = try database.bootstrapLogging()
            let setup = try DatabaseSetup.prepare(
                databaseURL: database.resolvedURL, dataDirectory: database.resolvedDataDirectory,
                statementTimeoutMilliseconds: 30_000, pooler: try database.resolvedPooler(), logger: logger)
            defer { setup.shutdown(logger: logger) }
            try Migrator(logger: logger).migrate(configuration: setup.configuration)
            let pool = PostgresPool(configuration: setup.configuration, limits: .init(maxConnections: 1), logger: logger)
            do {
                let (record, token) = try await TokenStore(pool: pool).create(role: role, shop: shop, name: name, actorTokenID: nil)
                await pool.close()
                print(token)
                logger.notice("token created; it is shown only once", metadata: ["id": "\(record.id)", "role": "\(role.rawValue)"])
            } catch {
                await pool.close()
                throw error
            }
        }
    }
}
