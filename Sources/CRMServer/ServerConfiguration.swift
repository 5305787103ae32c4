import CRMProtocol

/// Everything `crmd serve` can be told, with the defaults of the documentation. Each limit has a
/// JSON-RPC error and a log line when it is hit.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 7433
    /// Longest message line, in bytes, excluding its newline.
    public var maxLineBytes: Int = 1 << 20
    /// Most client connections open at once; the next one is told so and closed.
    public var maxConnections: Int = 1_024
    /// Requests read ahead of the one being executed, per connection, before reading pauses.
    public var maxInFlightPerConnection: Int = 32
    /// Most connections from one client address at once; the next one is told so and closed.
    public var maxConnectionsPerAddress: Int = 256
    /// Most connections that have not yet said `session.hello`. Past it the oldest of them is told so
    /// and closed to make room, so clients without a token cannot fill the slots kept for sessions.
    public var maxUnauthenticatedConnections: Int = 512
    /// A connection must complete `session.hello` within this many seconds of connecting.
    public var helloTimeoutSeconds: Int = 10
    /// A message line must be complete within this many seconds of its first byte.
    public var messageTimeoutSeconds: Int = 60
    /// Bytes of read-ahead lines and queued replies of all connections together; a line that does
    /// not fit is refused and its connection closed.
    public var maxBufferedBytes: Int = 256 << 20
    /// Most keys in one JSON object of a message.
    public var maxObjectKeys: Int = JSONParser.defaultMaxObjectKeys
    /// Most entries in one JSON-RPC batch.
    public var maxBatchEntries: Int = 1_000
    /// Most events in one `sync.push`.
    public var maxEventsPerPush: Int = 1_000
    /// A connection that sends and receives nothing for this long is closed.
    public var idleTimeoutSeconds: Int = 300
    /// Longest one SQL statement may run.
    public var statementTimeoutMilliseconds: Int = 30_000
    /// How often a session re-checks that its token has not been revoked (another instance may have revoked it).
    public var tokenRecheckSeconds: Int = 30
    /// How often crmd looks for tables that grew by half since PostgreSQL last analysed them, and
    /// analyses them (0: never, leaving it to autovacuum). See `StatisticsKeeper`.
    public var analyzeIntervalSeconds: Int = 1
    /// PEM certificate chain and key for TLS; both or neither.
    public var tlsCertificatePath: String? = nil
    public var tlsKeyPath: String? = nil
    /// Where to serve Prometheus metrics over HTTP (`host:port`), if anywhere.
    public var metricsHost: String? = nil
    public var metricsPort: Int? = nil
    /// Most HTTP connections to the metrics listener at once; further ones are closed at once.
    public var metricsMaxConnections: Int = 16
    /// A metrics connection that sends and receives nothing for this long is closed.
    public var metricsIdleTimeoutSeconds: Int = 10
    /// Failed logins allowed per connection and per client address (see `LoginLimiter`).
    public var logins = LoginLimiter.Limits()
    /// Member lookups allowed to masked roles (see `LookupLimiter`).
    public var lookups = LookupLimiter.Limits()
    // --- partitions (issue 20) ---
    /// Monthly partitions made after the current month, at start and daily (`PartitionMaintainer`).
    public var partitionsAhead: Int = 3

    public init() {}

    /// Checks the limits make sense; returns what is wrong, if anything.
    public func validate() -> String? {
        if !(1...65_535).contains(port) && port != 0 { return "listen port must be 1...65535" }
        if maxLineBytes < 1_024 || maxLineBytes > 64 << 20 { return "max line bytes must be between 1 KiB and 64 MiB" }
        if maxConnections < 1 || maxConnections > 100_000 { return "max connections must be 1...100000" }
        if maxInFlightPerConnection < 1 || maxInFlightPerConnection > 10_000 { return "max in-flight must be 1...10000" }
        if maxBatchEntries < 1 || maxBatchEntries > 100_000 { return "max batch must be 1...100000" }
        if maxEventsPerPush < 1 || maxEventsPerPush > 100_000 { return "max events per push must be 1...100000" }
        if idleTimeoutSeconds < 1 { return "idle timeout must be at least 1 second" }
        if maxConnectionsPerAddress < 1 { return "max connections per address must be at least 1" }
        if maxUnauthenticatedConnections < 1 { return "max unauthenticated connections must be at least 1" }
        if helloTimeoutSeconds < 1 { return "hello timeout must be at least 1 second" }
        if messageTimeoutSeconds < 1 { return "message timeout must be at least 1 second" }
        if maxBufferedBytes < maxLineBytes { return "max buffered bytes must be at least max line bytes" }
        if maxObjectKeys < 16 || maxObjectKeys > 1_000_000 { return "max object keys must be 16...1000000" }
        if metricsMaxConnections < 1 || metricsMaxConnections > 10_000 { return "metrics max connections must be 1...10000" }
        if metricsIdleTimeoutSeconds < 1 { return "metrics idle timeout must be at least 1 second" }
        if statementTimeoutMilliseconds < 0 { return "statement timeout must not be negative" }
        if tokenRecheckSeconds < 0 { return "token recheck interval must not be negative" }
        if analyzeIntervalSeconds < 0 || analyzeIntervalSeconds > 86_400 { return "analyze interval must be 0...86400 seconds" }
        if partitionsAhead < 0 || partitionsAhead > 120 { return "partitions ahead must be 0...120 months" }
        if (tlsCertificatePath == nil) != (tlsKeyPath == nil) { return "TLS needs both a certificate and a key" }
        if let problem = logins.problem() ?? lookups.problem() { return problem }
        return nil
    }
}
