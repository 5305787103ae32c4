import CRMPostgres
import CRMProtocol
import CRMStorage
import Logging
import NIOConcurrencyHelpers

/// What every method of one crmd process shares: the pool, the stores, limits and counters.
public final class ServerContext: Sendable {
    public static let version = RPC.productVersion
    public static let protocolVersion = 1

    public let configuration: ServerConfiguration
    public let pool: PostgresPool
    public let shops: ShopStore
    public let tokens: TokenStore
    public let members: MemberStore
    public let ingest: IngestEngine
    public let settings: SettingStore
    public let points: PointsStore
    public let levels: LevelStore
    public let expiry: ExpiryJob
    public let verifier: LedgerVerifier
    public let referrals: ReferralStore
    public let coupons: CouponStore
    public let tags: TagStore
    public let segments: SegmentStore
    public let reports: ReportStore
    /// The read replica's pool (`--replica-url`), used only for reads that tolerate lag; nil without one.
    public let replica: PostgresPool?
    /// Reports, previews and exports on the primary, and on the replica when there is one.
    let primaryReads: LagTolerantReads
    let replicaReads: LagTolerantReads?
    public let lookupAudit: LookupAudit
    public let accessAudit: AccessAudit
    public let shopScope: ShopScope
    public let benefits: BenefitStore
    /// Seals and opens personal data with the key file's keys.
    public let codec: PersonalDataCodec
    /// Names this process among several crmd instances (job runs are held per connection).
    public let instanceID: String
    /// Connections of this process that started a job run: their runs are abandoned when they close.
    let runHolders = NIOLockedValueBox(Set<String>())
    let health: DatabaseHealth
    /// Whether the read replica answers; nil without one.
    let replicaHealth: DatabaseHealth?
    let logger: Logger
    /// Tokens revoked by this process, so its own sessions stop at once (others re-check periodically).
    let revokedTokens = NIOLockedValueBox(Set<Int64>())
    /// Failed `session.hello` calls, per connection and client address.
    let logins: LoginLimiter
    /// Member lookups by masked roles, per token.
    let lookups: LookupLimiter
    /// Filled in once the registry is built.
    let metricsBox = NIOLockedValueBox<ServerMetrics?>(nil)

    public init(configuration: ServerConfiguration, pool: PostgresPool, replica: PostgresPool? = nil, keys: KeySource, logger: Logger) {
        let codec = PersonalDataCodec(keys: keys)
        self.codec = codec
        self.configuration = configuration
        self.pool = pool
        self.shops = ShopStore(pool: pool)
        self.tokens = TokenStore(pool: pool)
        self.members = MemberStore(pool: pool, codec: codec)
        self.ingest = IngestEngine(pool: pool, codec: codec)
        self.settings = SettingStore(pool: pool)
        self.points = PointsStore(pool: pool)
        self.levels = LevelStore(pool: pool)
        self.expiry = ExpiryJob(pool: pool)
        self.verifier = LedgerVerifier(pool: pool)
        self.referrals = ReferralStore(pool: pool, codec: codec)
        self.coupons = CouponStore(pool: pool)
        self.tags = TagStore(pool: pool, codec: codec)
        self.segments = SegmentStore(pool: pool, codec: codec)
        self.reports = ReportStore(pool: pool)
        self.replica = replica
        self.primaryReads = LagTolerantReads(pool: pool, codec: codec, isReplica: false)
        self.replicaReads = replica.map { LagTolerantReads(pool: $0, codec: codec, isReplica: true) }
        self.lookupAudit = LookupAudit(pool: pool)
        self.benefits = BenefitStore(pool: pool, codec: codec)
        self.accessAudit = AccessAudit(pool: pool)
        self.shopScope = ShopScope(pool: pool)
        self.instanceID = String(UInt64.random(in: 1...UInt64.max), radix: 36)
        self.health = DatabaseHealth(pool: pool)
        self.replicaHealth = replica.map { DatabaseHealth(pool: $0) }
        self.logger = logger
        self.logins = LoginLimiter(limits: configuration.logins)
        self.lookups = LookupLimiter(limits: configuration.lookups)
    }

    func connectionName(_ id: Int) -> String { connectionName(prefix: ()) + "c\(id)" }

    /// What every connection name of this process starts with.
    func connectionName(prefix: Void) -> String { "\(instanceID)/" }

    /// Attempts to abandon a closed connection's runs; the waits between them (seconds) double up to a minute.
    static let abandonAttempts = 8

    /// A connection closed: abandon the job runs it held, so a rerun may start at once. When the
    /// database cannot be reached (it is recovering) the abandon is retried in the background with
    /// backoff, the connection's slot already free; meanwhile a new run on this process takes the
    /// closed connection's run over anyway (`ExpiryJob.start`).
    func connectionClosed(_ id: Int) async {
        let name = connectionName(id)
        logins.connectionClosed(name)
        guard runHolders.withLockedValue({ $0.remove(name) != nil }) else { return }
        if await abandonRuns(of: name, id: id, attempt: 1) { return }
        Task {
            for attempt in 2...Self.abandonAttempts {
                try? await Task.sleep(for: .seconds(min(1 << (attempt - 1), 60)))
                if await abandonRuns(of: name, id: id, attempt: attempt) { return }
            }
        }
    }

    /// One attempt to abandon a closed connection's runs; true when there is nothing more to try.
    private func abandonRuns(of name: String, id: Int, attempt: Int) async -> Bool {
        do {
            // Its own task: past the shutdown grace the connection's task is cancelled, which would
            // cancel this one short statement too and leave the runs held until they time out.
            let expiry = self.expiry
            try await Task { try await expiry.abandon(holder: name) }.value
            if attempt > 1 { logger.notice("abandoned the job runs of a closed connection", metadata: ["connection": "\(id)", "attempt": "\(attempt)"]) }
            return true
        } catch let error as PostgresError where error.kind == .poolClosed {
            return true  // shutting down: the heartbeat lets another instance take the run over
        } catch {
            logger.warning(
                "could not abandon the job runs of a closed connection",
                metadata: [
                    "connection": "\(id)", "attempt": "\(attempt)", "of": "\(Self.abandonAttempts)", "error": "\(error)",
                ])
            return attempt >= Self.abandonAttempts
        }
    }

    /// The login, lookup and outage counters (see `SecurityCounters`).
    public var security: SecurityCounters { metrics.security }

    var metrics: ServerMetrics {
        guard let m = metricsBox.withLockedValue({ $0 }) else { preconditionFailure("metrics used before the server was built") }
        return m
    }
}
