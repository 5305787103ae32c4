import CRMPostgres
import Logging

/// The database crmd will use: the one named by a URL, or else a private cluster under the data
/// directory, created on first start, reused afterwards, and stopped at shutdown if we started it.
public struct DatabaseSetup: Sendable {
    public let configuration: PostgresConfiguration
    public let cluster: LocalCluster?
    /// Whether this process started the private cluster (and so stops it).
    public let startedCluster: Bool

    /// Name of the database crmd creates in a private cluster.
    public static let privateDatabaseName = "crm"

    /// `pooler` says what sits between crmd and the database the URL names (a private cluster has nothing).
    public static func prepare(
        databaseURL: String?, dataDirectory: String, statementTimeoutMilliseconds: Int, pooler: PoolerMode = .none, logger: Logger
    ) throws -> DatabaseSetup {
        var configuration = PostgresConfiguration(statementTimeoutMilliseconds: statementTimeoutMilliseconds)
        if let databaseURL, !databaseURL.isEmpty {
            configuration.connectionString = databaseURL
            configuration.pooler = pooler
            return DatabaseSetup(configuration: configuration, cluster: nil, startedCluster: false)
        }
        let cluster = try LocalCluster(directory: dataDirectory)
        let fresh = !cluster.isInitialized
        logger.info(
            fresh ? "creating a private PostgreSQL cluster" : "using the private PostgreSQL cluster",
            metadata: ["directory": "\(cluster.root)", "bin": "\(cluster.binDirectory)"])
        let started = try cluster.start()
        configuration.connectionString = cluster.connectionString(database: privateDatabaseName)
        do {
            try DatabaseBootstrap.createDatabaseIfMissing(privateDatabaseName, configuration: configuration)
        } catch {
            if started { try? cluster.stop() }
            throw error
        }
        logger.info("private PostgreSQL ready", metadata: ["socket": "\(cluster.socketDirectory)", "started_now": "\(started)"])
        return DatabaseSetup(configuration: configuration, cluster: cluster, startedCluster: started)
    }

    /// Stops the private cluster if this process started it.
    public func shutdown(logger: Logger) {
        guard startedCluster, let cluster else { return }
        do {
            try cluster.stop()
            logger.info("private PostgreSQL stopped")
        } catch {
            logger.error("could not stop the private PostgreSQL", metadata: ["error": "\(error)"])
        }
    }
}
