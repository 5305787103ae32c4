/// How to reach a database and the session settings every connection gets.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection string or `postgresql://` URL; empty means libpq's defaults
    /// (`PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, …).
    public var connectionString: String
    /// Shown in `pg_stat_activity`.
    public var applicationName: String
    /// Longest a single statement may run, in milliseconds (0 disables the limit).
    public var statementTimeoutMilliseconds: Int
    /// Longest a connection attempt may take, in seconds.
    public var connectTimeoutSeconds: Int
    /// What sits between crmd and PostgreSQL; `.transaction` avoids everything that outlives a transaction.
    public var pooler: PoolerMode = .none

    public init(connectionString: String = "", applicationName: String = "crmd", statementTimeoutMilliseconds: Int = 30_000, connectTimeoutSeconds: Int = 5) {
        precondition(statementTimeoutMilliseconds >= 0, "statement timeout must not be negative")
        precondition(connectTimeoutSeconds > 0, "connect timeout must be positive")
        self.connectionString = connectionString
        self.applicationName = applicationName
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// The same server, another database (used to create databases and by tests).
    public func with(database: String) -> PostgresConfiguration {
        var copy = self
        copy.overrides = overrides.filter { $0.0 != "dbname" } + [("dbname", database)]
        return copy
    }

    /// Keywords applied after the connection string (later wins, as libpq documents).
    var overrides: [(String, String)] = []

    /// The keyword/value pairs handed to `PQconnectdbParams`, connection string first.
    var keywordValues: [(String, String)] {
        var pairs: [(String, String)] = []
        if !connectionString.isEmpty { pairs.append(("dbname", connectionString)) }
        pairs.append(("application_name", applicationName))
        pairs.append(("connect_timeout", String(connectTimeoutSeconds)))
        // A transaction-mode pooler refuses `options` (PgBouncer: "unsupported startup parameter"),
        // and would not apply it to the server connections it hands out anyway: see `transaction`.
        if pooler == .none {
            pairs.append(("options", "-c statement_timeout=\(statementTimeoutMilliseconds) -c client_min_messages=warning"))
        }
        pairs.append(("client_encoding", "UTF8"))
        pairs.append(contentsOf: overrides)
        return pairs
    }
}
