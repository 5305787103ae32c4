import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import CRMServer
import CRMStorage
import Logging
import ServiceLifecycle

/// The real crmd server (the same `RPCServer` that `crmd serve` runs) on a free loopback port,
/// over its own fresh database, with an admin token ready.
final class TestServer: Sendable {
    let database: TestDatabase
    let pool: PostgresPool
    let context: ServerContext
    let server: RPCServer
    let group: ServiceGroup
    let runTask: Task<Void, any Error>
    let port: Int
    let adminToken: String

    private init(
        database: TestDatabase, pool: PostgresPool, context: ServerContext, server: RPCServer, group: ServiceGroup,
        runTask: Task<Void, any Error>, port: Int, adminToken: String
    ) {
        self.database = database
        self.pool = pool
        self.context = context
        self.server = server
        self.group = group
        self.runTask = runTask
        self.port = port
        self.adminToken = adminToken
    }

    /// `replica`, when given, makes the read replica's pool (`crmd serve --replica-url`) for the test's database.
    static func start(
        poolSize: Int = 4, replica: ((TestDatabase) -> PostgresConfiguration)? = nil, _ configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> TestServer {
        let database = try TestDatabase.create()
        var configuration = ServerConfiguration()
        configuration.port = 0
        // A loaded test run can take longer than the production hello deadline between a
        // connection's first call and its hello; tests of the deadline set their own.
        configuration.helloTimeoutSeconds = 120
        configure(&configuration)
        precondition(configuration.validate() == nil, "bad test configuration: \(configuration.validate()!)")
        var logger = Logger(label: "crmd-test")
        logger.logLevel = .warning
        let pool = PostgresPool(configuration: database.configuration, limits: .init(maxConnections: poolSize), logger: logger)
        let replicaPool = replica.map { PostgresPool(configuration: $0(database), limits: .init(maxConnections: poolSize), logger: logger) }
        let context = ServerContext(configuration: configuration, pool: pool, replica: replicaPool, keys: TestKeys.source, logger: logger)
        let adminToken = AccessToken.generate()
        _ = try await context.tokens.ensureBootstrapAdmin(token: adminToken)
        let server = try RPCServer(context: context)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server)]
        let metricsServer = configuration.metricsPort.map { MetricsHTTPServer(context: context, host: "127.0.0.1", port: $0) }
        if let metricsServer { services.append(.init(service: metricsServer)) }
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        let runTask = Task { try await group.run() }
        let address = await server.waitUntilBound()
        // Tests connect to the metrics port at once: it must be listening too.
        await metricsServer?.waitUntilBound()
        return TestServer(
            database: database, pool: pool, context: context, server: server, group: group,
            runTask: runTask, port: address.port!, adminToken: adminToken)
    }

    /// A connection, with `session.hello` done when a token is given.
    func client(token: String?) async throws -> RPCClient {
        let client = try await RPCClient.connect(host: "127.0.0.1", port: port)
        if let token { _ = try await client.call("session.hello", ["token": .string(token), "client": "tests"]) }
        return client
    }

    func adminClient() async throws -> RPCClient { try await client(token: adminToken) }

    /// Issues a token of `role` through the API and returns its text.
    func token(role: Role, shop: String? = nil) async throws -> String {
        let admin = try await adminClient()
        defer { Task { await admin.close() } }
        var params: JSONObject = ["role": .string(role.rawValue)]
        if let shop { params["shop"] = .string(shop) }
        return try await admin.call("token.create", .object(params))["token"]!.stringValue!
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await runTask.value
        await pool.close()
        await context.replica?.close()
        database.drop()
    }
}

/// Runs `body` against a fresh server, stopped afterwards whatever happens.
func withTestServer<T>(
    poolSize: Int = 4, replica: ((TestDatabase) -> PostgresConfiguration)? = nil, _ configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (TestServer) async throws -> T
) async throws -> T {
    let server = try await TestServer.start(poolSize: poolSize, replica: replica, configure)
    do {
        let value = try await body(server)
        await server.stop()
        return value
    } catch {
        await server.stop()
        throw error
    }
}

/// The error a call failed with, or `nil` if it succeeded.
func rpcError(_ body: () async throws -> JSONValue) async -> RPCError? {
    do {
        _ = try await body()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        return RPCError.internalError("not an RPC error: \(error)", reason: ErrorReason(wire: "test_transport"))
    }
}
