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
    /// Failed logins allowed per connection and per client address (see `LoginLimiter`).
    public var logins = LoginLimiter.Limits()
    /// Member lookups allowed to masked roles (see `LookupLimiter`).
    public var lookups = LookupLimiter.Limits()

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
        if statementTimeoutMilliseconds < 0 { return "statement timeout must not be negative" }
        if tokenRecheckSeconds < 0 { return "token recheck interval must not be negative" }
        if analyzeIntervalSeconds < 0 || analyzeIntervalSeconds > 86_400 { return "analyze interval must be 0...86400 seconds" }
        if (tlsCertificatePath == nil) != (tlsKeyPath == nil) { return "TLS needs both a certificate and a key" }
        if let problem = logins.problem() ?? lookups.problem() { return problem }
        return nil
    }
}
