import CRMPostgres
import CRMStorage
import Logging
import NIOConcurrencyHelpers

/// What every method of one crmd process shares: the pool, the stores, limits and counters.
public final class ServerContext: Sendable {
    public static let version = "0.1.0"
    public static let protocolVersion = 1

    public let configuration: ServerConfiguration
    public let pool: PostgresPool
    public let shops: ShopStore
    public let tokens: TokenStore
    public let members: MemberStore
    public let ingest: IngestEngine
    public let settings: SettingStore
    let health: DatabaseHealth
    let logger: Logger
    /// Tokens revoked by this process, so its own sessions stop at once (others re-check periodically).
    let revokedTokens = NIOLockedValueBox(Set<Int64>())
    /// Filled in once the registry is built.
    let metricsBox = NIOLockedValueBox<ServerMetrics?>(nil)

    public init(configuration: ServerConfiguration, pool: PostgresPool, logger: Logger) {
        self.configuration = configuration
        self.pool = pool
        self.shops = ShopStore(pool: pool)
        self.tokens = TokenStore(pool: pool)
        self.members = MemberStore(pool: pool)
        self.ingest = IngestEngine(pool: pool)
        self.settings = SettingStore(pool: pool)
        self.health = DatabaseHealth(pool: pool)
        self.logger = logger
    }

    var metrics: ServerMetrics {
        guard let m = metricsBox.withLockedValue({ $0 }) else { preconditionFailure("metrics used before the server was built") }
        return m
    }
}
