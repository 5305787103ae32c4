/// The names of crmd's Prometheus metrics and their `# HELP` lines. Operators' dashboards and alerts
/// are written against these names (docs/operations.md lists them), so one changes only with the docs.
enum MetricName {
    static let uptime = "crmd_uptime_seconds"
    static let databaseUp = "crmd_database_up"
    static let connectionsOpen = "crmd_connections_open"
    static let connectionsAccepted = "crmd_connections_accepted_total"
    static let connectionsRejected = "crmd_connections_rejected_total"
    static let connectionsClosed = "crmd_connections_closed_total"
    static let oversizeLines = "crmd_oversize_lines_total"
    static let bufferedBytes = "crmd_buffered_bytes"
    static let bufferedBytesLimit = "crmd_buffered_bytes_limit"
    static let bufferRefusals = "crmd_buffer_refusals_total"
    static let requests = "crmd_requests_total"
    static let requestErrors = "crmd_request_errors_total"
    static let requestDuration = "crmd_request_duration_seconds"
    static let requestDurationMax = "crmd_request_duration_max_seconds"
    static let tablesAnalyzed = "crmd_tables_analyzed_total"
    static let poolConnections = "crmd_pool_connections"
    static let poolWaiting = "crmd_pool_waiting"
    static let poolRefused = "crmd_pool_refused_total"
    static let failedLogins = "crmd_failed_logins_total"
    static let refusedLogins = "crmd_refused_logins_total"
    static let maskedLookups = "crmd_masked_lookups_total"
    static let refusedLookups = "crmd_refused_lookups_total"
    static let databaseFailures = "crmd_database_failures_total"
    static let pointsLimit = "crmd_points_limit_total"
    static let replicaUp = "crmd_replica_up"
    static let replicaPoolConnections = "crmd_replica_pool_connections"
    static let replicaPoolWaiting = "crmd_replica_pool_waiting"
    static let replicaFallbacks = "crmd_replica_fallbacks_total"
    static let partitionNewestMonth = "crmd_partition_newest_month_seconds"

    /// The `# HELP` line of each name, given to its family when it is first made.
    static let help: [String: String] = [
        uptime: "Seconds since crmd started.",
        databaseUp: "Whether the last database check succeeded.",
        connectionsOpen: "Client connections open now.",
        connectionsAccepted: "Client connections accepted.",
        connectionsRejected: "Connections refused at the connection limit.",
        connectionsClosed: "Connections closed by a protection limit.",
        oversizeLines: "Lines over the length limit (connection closed).",
        bufferedBytes: "Bytes of read-ahead lines and queued replies of all connections.",
        bufferedBytesLimit: "The budget for crmd_buffered_bytes.",
        bufferRefusals: "Lines or replies refused because the budget was spent (connection closed).",
        requests: "Requests by method.",
        requestErrors: "Error responses by method and code.",
        requestDuration: "Request latency by method.",
        requestDurationMax: "The slowest request by method since crmd started.",
        tablesAnalyzed: "Tables crmd analysed because they grew by half since their last analysis.",
        poolConnections: "Database connections by state.",
        poolWaiting: "Requests waiting for a database connection.",
        poolRefused: "Requests refused because the pool was saturated.",
        failedLogins: "session.hello calls with an unknown, revoked or malformed token.",
        refusedLogins: "session.hello calls refused over the failed-login limit.",
        maskedLookups: "Member lookups by masked roles (each audited).",
        refusedLookups: "Member lookups by masked roles refused over the lookup limit.",
        databaseFailures: "Background database work that failed because the database could not be reached.",
        pointsLimit: "Times a points limit cut an earning, refused a credit or a sum, by limit.",
        replicaUp: "Whether the last check of the read replica succeeded (only with --replica-url).",
        replicaPoolConnections: "Read replica connections by state.",
        replicaPoolWaiting: "Requests waiting for a read replica connection.",
        replicaFallbacks: "Reports, previews and exports the primary served because the read replica could not be reached.",
        partitionNewestMonth: "Start (UTC, seconds since the epoch) of the newest month every partitioned table has a partition for.",
    ]
}
