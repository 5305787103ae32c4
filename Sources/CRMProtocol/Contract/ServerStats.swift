extension RPC.Server.Stats {
    /// What `server.stats` answers: counters since the process started, and figures of now.
    public struct Result: RPCObject {
        public var version: String
        public var uptimeSeconds: Double
        /// `ok` or `down`.
        public var database: String
        public var connections: Connections
        public var buffers: Buffers
        public var requests: Requests
        /// By method name; unknown names are counted under `(unknown)`, malformed requests under `(invalid)`.
        public var methods: WireMap<Method>
        public var security: Security
        public var pool: Pool
        /// The read replica's pool (`crmd serve --replica-url`); absent without one.
        public var replicaPool: Pool?
        /// The read replica: `ok` or `down`; absent without one.
        public var replica: String?
        public init(
            version: String, uptimeSeconds: Double, database: String, connections: Connections, buffers: Buffers,
            requests: Requests, methods: WireMap<Method>, security: Security, pool: Pool
        ) {
            self.version = version
            self.uptimeSeconds = uptimeSeconds
            self.database = database
            self.connections = connections
            self.buffers = buffers
            self.requests = requests
            self.methods = methods
            self.security = security
            self.pool = pool
        }
    }

    /// Client connections: open now, and counted since the start.
    public struct Connections: RPCObject {
        public var open: Int64
        public var accepted: Int64
        public var rejected: Int64
        public var limit: Int64
        public var closedIdle: Int64
        public var oversizeLines: Int64
        public var refusedPerAddress: Int64
        public var closedUnauthenticated: Int64
        public var closedHelloTimeout: Int64
        public var closedMessageTimeout: Int64
        public init(
            open: Int64, accepted: Int64, rejected: Int64, limit: Int64, closedIdle: Int64, oversizeLines: Int64,
            refusedPerAddress: Int64, closedUnauthenticated: Int64, closedHelloTimeout: Int64, closedMessageTimeout: Int64
        ) {
            self.open = open
            self.accepted = accepted
            self.rejected = rejected
            self.limit = limit
            self.closedIdle = closedIdle
            self.oversizeLines = oversizeLines
            self.refusedPerAddress = refusedPerAddress
            self.closedUnauthenticated = closedUnauthenticated
            self.closedHelloTimeout = closedHelloTimeout
            self.closedMessageTimeout = closedMessageTimeout
        }
    }

    /// The memory budget of read-ahead lines and queued replies.
    public struct Buffers: RPCObject {
        public var usedBytes: Int64
        /// The most ever held (never above `limit_bytes`).
        public var peakBytes: Int64
        public var limitBytes: Int64
        /// Lines or replies refused because they did not fit.
        public var refused: Int64
        public init(usedBytes: Int64, peakBytes: Int64, limitBytes: Int64, refused: Int64) {
            self.usedBytes = usedBytes
            self.peakBytes = peakBytes
            self.limitBytes = limitBytes
            self.refused = refused
        }
    }

    /// All requests together.
    public struct Requests: RPCObject {
        public var total: Int64
        public var errors: Int64
        public var latencyMs: Latency
        public init(total: Int64, errors: Int64, latencyMs: Latency) {
            self.total = total
            self.errors = errors
            self.latencyMs = latencyMs
        }
    }

    /// The requests of one method.
    public struct Method: RPCObject {
        public var requests: Int64
        public var errors: Int64
        /// Errors by JSON-RPC code (`"-32602": 1`).
        public var errorsByCode: WireMap<Int64>
        public var latencyMs: Latency
        public init(requests: Int64, errors: Int64, errorsByCode: WireMap<Int64>, latencyMs: Latency) {
            self.requests = requests
            self.errors = errors
            self.errorsByCode = errorsByCode
            self.latencyMs = latencyMs
        }
    }

    /// Latency percentiles in milliseconds, from logarithmic buckets (within about 19%).
    public struct Latency: RPCObject {
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var max: Double
        public var count: Int64
        public init(p50: Double, p90: Double, p99: Double, max: Double, count: Int64) {
            self.p50 = p50
            self.p90 = p90
            self.p99 = p99
            self.max = max
            self.count = count
        }
    }

    /// The limits that protect logins and personal data, and database outages.
    public struct Security: RPCObject {
        public var failedLogins: Int64
        public var refusedLogins: Int64
        public var maskedLookups: Int64
        public var refusedLookups: Int64
        public var databaseFailures: Int64
        public init(failedLogins: Int64, refusedLogins: Int64, maskedLookups: Int64, refusedLookups: Int64, databaseFailures: Int64) {
            self.failedLogins = failedLogins
            self.refusedLogins = refusedLogins
            self.maskedLookups = maskedLookups
            self.refusedLookups = refusedLookups
            self.databaseFailures = databaseFailures
        }
    }

    /// The database connection pool.
    public struct Pool: RPCObject {
        public var open: Int64
        public var inUse: Int64
        public var idle: Int64
        public var waiting: Int64
        public var max: Int64
        public var opened: Int64
        public var discarded: Int64
        public var refused: Int64
        public init(open: Int64, inUse: Int64, idle: Int64, waiting: Int64, max: Int64, opened: Int64, discarded: Int64, refused: Int64) {
            self.open = open
            self.inUse = inUse
            self.idle = idle
            self.waiting = waiting
            self.max = max
            self.opened = opened
            self.discarded = discarded
            self.refused = refused
        }
    }
}
