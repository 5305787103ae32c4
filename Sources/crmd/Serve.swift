import ArgumentParser
import CRMConfiguration
import CRMDomain
import CRMPostgres
import CRMServer
import CRMStorage
import Logging
import ServiceLifecycle

/// `crmd serve`: migrate, then answer JSON-RPC until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (applies pending migrations first).")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "host:port to listen on (CRM_LISTEN, default 127.0.0.1:7433).")
    var listen: String?
    @Option(name: .customLong("metrics-listen"), help: "host:port for Prometheus /metrics and /healthz over HTTP (CRM_METRICS_LISTEN; off by default).")
    var metricsListen: String?
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain; with --tls-key, clients must use TLS (CRM_TLS_CERT).")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key (CRM_TLS_KEY).")
    var tlsKey: String?
    @Option(name: .customLong("max-line-bytes"), help: "Longest message line (CRM_MAX_LINE_BYTES, default 1048576).")
    var maxLineBytes: Int?
    @Option(name: .customLong("max-connections"), help: "Most client connections at once (CRM_MAX_CONNECTIONS, default 1024).")
    var maxConnections: Int?
    @Option(name: .customLong("max-in-flight"), help: "Requests read ahead per connection before reading pauses (CRM_MAX_IN_FLIGHT, default 32).")
    var maxInFlight: Int?
    @Option(name: .customLong("max-connections-per-address"), help: "Most connections from one client address (CRM_MAX_CONNECTIONS_PER_ADDRESS, default 256).")
    var maxConnectionsPerAddress: Int?
    @Option(
        name: .customLong("max-unauthenticated"),
        help: "Most connections without a session; past it the oldest is closed (CRM_MAX_UNAUTHENTICATED, default 512).")
    var maxUnauthenticated: Int?
    @Option(name: .customLong("hello-timeout"), help: "Seconds a new connection has to complete session.hello (CRM_HELLO_TIMEOUT, default 10).")
    var helloTimeout: Int?
    @Option(name: .customLong("message-timeout"), help: "Seconds a message line may take from its first byte to its newline (CRM_MESSAGE_TIMEOUT, default 60).")
    var messageTimeout: Int?
    @Option(
        name: .customLong("max-buffered-bytes"),
        help: "Bytes of read-ahead lines and queued replies of all connections together (CRM_MAX_BUFFERED_BYTES, default 268435456).")
    var maxBufferedBytes: Int?
    @Option(name: .customLong("max-object-keys"), help: "Most keys in one JSON object of a message (CRM_MAX_OBJECT_KEYS, default 10000).")
    var maxObjectKeys: Int?
    @Option(name: .customLong("metrics-max-connections"), help: "Most connections to the metrics listener (CRM_METRICS_MAX_CONNECTIONS, default 16).")
    var metricsMaxConnections: Int?
    @Option(name: .customLong("metrics-idle-timeout"), help: "Seconds a silent metrics connection stays open (CRM_METRICS_IDLE_TIMEOUT, default 10).")
    var metricsIdleTimeout: Int?
    @Option(name: .customLong("max-batch"), help: "Most entries in one JSON-RPC batch (CRM_MAX_BATCH, default 1000).")
    var maxBatch: Int?
    @Option(name: .customLong("max-events"), help: "Most events in one sync.push (CRM_MAX_EVENTS, default 1000).")
    var maxEvents: Int?
    @Option(name: .customLong("idle-timeout"), help: "Seconds a silent connection stays open (CRM_IDLE_TIMEOUT, default 300).")
    var idleTimeout: Int?
    @Option(name: .customLong("statement-timeout"), help: "Milliseconds one SQL statement may run (CRM_STATEMENT_TIMEOUT_MS, default 30000).")
    var statementTimeout: Int?
    @Option(
        name: .customLong("analyze-interval"),
        help: "Seconds between looks for tables that grew by half since they were last analysed; 0 leaves it to autovacuum (CRM_ANALYZE_INTERVAL, default 1).")
    var analyzeInterval: Int?
    @Option(name: .customLong("pool-size"), help: "Database connections (CRM_POOL_SIZE, default 10).")
    var poolSize: Int?
    @Option(
        name: .customLong("pool-max-waiters"),
        help: "Requests that may wait for a database connection before new ones are refused as overloaded (CRM_POOL_MAX_WAITERS, default 1000).")
    var poolMaxWaiters: Int?
    @Option(
        name: .customLong("max-failed-logins"),
        help: "Failed session.hello calls one client address may make within the window before its hellos are refused (CRM_MAX_FAILED_LOGINS, default 20).")
    var maxFailedLogins: Int?
    @Option(
        name: .customLong("failed-login-window"),
        help: "Seconds a failed session.hello counts against its client address (CRM_FAILED_LOGIN_WINDOW, 1-86400, default 60).")
    var failedLoginWindow: Int?
    @Option(name: .customLong("max-lookups"), help: "Member lookups an analyst token may make per minute (CRM_MAX_LOOKUPS, default 20).")
    var maxLookups: Int?
    // --- read replica (issue 20, part B) ---
    @Option(
        name: .customLong("replica-url"),
        help:
            "A read replica's PostgreSQL URL or libpq connection string, for reports, segment previews and export pages, which then carry replica_lag_seconds; writes never go there (CRM_REPLICA_URL; off by default)."
    )
    var replicaURL: String?

    @Option(name: .customLong("shutdown-timeout"), help: "Seconds to let requests in flight finish at shutdown (CRM_SHUTDOWN_TIMEOUT, default 30).")
    var shutdownTimeout: Int?
    @Option(
        name: .customLong("partitions-ahead"),
        help: "Monthly partitions made after the current month, at start and daily (CRM_PARTITIONS_AHEAD, default 3).")
    var partitionsAhead: Int?

    func serverConfiguration() throws -> ServerConfiguration {
        var c = ServerConfiguration()
        let listenText = listen ?? Environment.value("CRM_LISTEN") ?? "127.0.0.1:7433"
        let address = try HostPort.parse(listenText, option: "--listen")
        c.host = address.host
        c.port = address.port
        if let text = metricsListen ?? Environment.value("CRM_METRICS_LISTEN") {
            let m = try HostPort.parse(text, option: "--metrics-listen")
            c.metricsHost = m.host
            c.metricsPort = m.port
        }
        c.tlsCertificatePath = tlsCert ?? Environment.value("CRM_TLS_CERT")
        c.tlsKeyPath = tlsKey ?? Environment.value("CRM_TLS_KEY")
        if let v = try maxLineBytes ?? Environment.int("CRM_MAX_LINE_BYTES") { c.maxLineBytes = v }
        if let v = try maxConnections ?? Environment.int("CRM_MAX_CONNECTIONS") { c.maxConnections = v }
        if let v = try maxInFlight ?? Environment.int("CRM_MAX_IN_FLIGHT") { c.maxInFlightPerConnection = v }
        if let v = try maxConnectionsPerAddress ?? Environment.int("CRM_MAX_CONNECTIONS_PER_ADDRESS") { c.maxConnectionsPerAddress = v }
        if let v = try maxUnauthenticated ?? Environment.int("CRM_MAX_UNAUTHENTICATED") { c.maxUnauthenticatedConnections = v }
        if let v = try helloTimeout ?? Environment.int("CRM_HELLO_TIMEOUT") { c.helloTimeoutSeconds = v }
        if let v = try messageTimeout ?? Environment.int("CRM_MESSAGE_TIMEOUT") { c.messageTimeoutSeconds = v }
        if let v = try maxBufferedBytes ?? Environment.int("CRM_MAX_BUFFERED_BYTES") { c.maxBufferedBytes = v }
        if let v = try maxObjectKeys ?? Environment.int("CRM_MAX_OBJECT_KEYS") { c.maxObjectKeys = v }
        if let v = try metricsMaxConnections ?? Environment.int("CRM_METRICS_MAX_CONNECTIONS") { c.metricsMaxConnections = v }
        if let v = try metricsIdleTimeout ?? Environment.int("CRM_METRICS_IDLE_TIMEOUT") { c.metricsIdleTimeoutSeconds = v }
        if let v = try maxBatch ?? Environment.int("CRM_MAX_BATCH") { c.maxBatchEntries = v }
        if let v = try maxEvents ?? Environment.int("CRM_MAX_EVENTS") { c.maxEventsPerPush = v }
        if let v = try idleTimeout ?? Environment.int("CRM_IDLE_TIMEOUT") { c.idleTimeoutSeconds = v }
        if let v = try statementTimeout ?? Environment.int("CRM_STATEMENT_TIMEOUT_MS") { c.statementTimeoutMilliseconds = v }
        if let v = try analyzeInterval ?? Environment.int("CRM_ANALYZE_INTERVAL") { c.analyzeIntervalSeconds = v }
        if let v = try maxFailedLogins ?? Environment.int("CRM_MAX_FAILED_LOGINS") { c.logins.maxFailuresPerAddress = v }
        if let v = try failedLoginWindow ?? Environment.int("CRM_FAILED_LOGIN_WINDOW") { c.logins.windowSeconds = v }
        if let v = try maxLookups ?? Environment.int("CRM_MAX_LOOKUPS") { c.lookups.maxLookups = v }
        if let v = try partitionsAhead ?? Environment.int("CRM_PARTITIONS_AHEAD") { c.partitionsAhead = v }
        if let problem = c.validate() { throw ValidationError(problem) }
        return c
    }

    func run() async throws {
        let logger = try database.bootstrapLogging()
        let configuration = try serverConfiguration()
        let adminToken = Environment.value("CRM_ADMIN_TOKEN")
        // Refused before anything starts: a guessable admin token would open the whole server.
        if let adminToken, let problem = AccessToken.strengthProblem(adminToken) {
            throw ValidationError("CRM_ADMIN_TOKEN is too weak: \(problem). Make one with: printf 'crm_%s\\n' \"$(openssl rand -hex 32)\"")
        }
        let poolLimits = PostgresPool.Limits(
            maxConnections: try poolSize ?? Environment.int("CRM_POOL_SIZE") ?? 10,
            maxWaiters: try poolMaxWaiters ?? Environment.int("CRM_POOL_MAX_WAITERS") ?? 1_000
        )
        let graceSeconds = try shutdownTimeout ?? Environment.int("CRM_SHUTDOWN_TIMEOUT") ?? 30

        let keys = try database.keySource()
        let setup = try DatabaseSetup.prepare(
            databaseURL: database.resolvedURL, dataDirectory: database.resolvedDataDirectory,
            statementTimeoutMilliseconds: configuration.statementTimeoutMilliseconds, pooler: try database.resolvedPooler(), logger: logger)
        defer { setup.shutdown(logger: logger) }
        try migrateOrCheck(setup.configuration, keys: keys, logger: logger)

        let pool = PostgresPool(configuration: setup.configuration, limits: poolLimits, logger: logger)
        let replica = replicaPool(configuration: configuration, limits: poolLimits, logger: logger)
        let context = ServerContext(configuration: configuration, pool: pool, replica: replica, keys: keys, logger: logger)
        if let adminToken {
            if try await context.tokens.ensureBootstrapAdmin(token: adminToken) {
                logger.notice("created the admin token given in CRM_ADMIN_TOKEN")
            }
        }
        let server = try RPCServer(context: context)
        var services: [any Service] = [server, PartitionService(context: context)]
        if configuration.analyzeIntervalSeconds > 0 {
            services.append(StatisticsService(context: context, interval: .seconds(configuration.analyzeIntervalSeconds)))
        }
        if let host = configuration.metricsHost, let port = configuration.metricsPort {
            services.append(MetricsHTTPServer(context: context, host: host, port: port))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger
            ).withShutdownTimeout(graceSeconds))
        do {
            try await group.run()
        } catch {
            logger.error("server stopped with an error", metadata: ["error": "\(error)"])
            await pool.close()
            await replica?.close()
            throw error
        }
        await pool.close()
        await replica?.close()
        logger.info("crmd stopped")
    }
}

extension Serve {
    /// The read replica's pool, when `--replica-url` / CRM_REPLICA_URL names one. Not checked at
    /// start: a replica that is down only sends its reads to the primary.
    func replicaPool(configuration: ServerConfiguration, limits: PostgresPool.Limits, logger: Logger) -> PostgresPool? {
        guard let url = replicaURL ?? Environment.value("CRM_REPLICA_URL"), !url.isEmpty else { return nil }
        let replica = PostgresConfiguration(
            connectionString: url, applicationName: "crmd-replica", statementTimeoutMilliseconds: configuration.statementTimeoutMilliseconds)
        logger.info("reports, segment previews and export pages read from the replica")
        return PostgresPool(configuration: replica, limits: limits, logger: logger)
    }

    /// Applies pending migrations; behind a transaction-mode pooler, where migrations cannot run
    /// (their session lock), only checks that `crmd migrate` has applied them all.
    func migrateOrCheck(_ configuration: PostgresConfiguration, keys: KeySource, logger: Logger) throws {
        let migrator = Migrator(logger: logger)
        guard configuration.pooler == .none else {
            let pending = try migrator.pending(configuration: configuration, keys: keys)
            guard pending.isEmpty else {
                throw ValidationError(
                    "the database lacks migrations \(pending.map(String.init).joined(separator: ", ")), which cannot run through a transaction-mode pooler: "
                        + "run crmd migrate with --database-url naming PostgreSQL itself first")
            }
            logger.info("schema up to date (checked through the pooler)")
            return
        }
        let applied = try migrator.migrate(configuration: configuration, keys: keys)
        logger.info("schema up to date", metadata: ["applied_now": "\(applied)"])
    }
}

extension ServiceGroupConfiguration {
    func withShutdownTimeout(_ seconds: Int) -> ServiceGroupConfiguration {
        var copy = self
        copy.maximumGracefulShutdownDuration = .seconds(seconds)
        copy.maximumCancellationDuration = .seconds(5)
        return copy
    }
}
