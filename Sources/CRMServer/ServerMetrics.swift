import CRMPostgres
import CRMProtocol
import CRMStorage
import NIOConcurrencyHelpers

/// Counters and latencies of one crmd process: what `server.stats` answers and the Prometheus
/// endpoint exposes. Method names outside the known set are counted as `(unknown)` so a hostile
/// client cannot grow the tables.
public final class ServerMetrics: Sendable {
    struct MethodStats: Sendable {
        var requests: UInt64 = 0
        var errors: UInt64 = 0
        var errorsByCode: [Int: UInt64] = [:]
        var latency = LatencyHistogram()
    }

    struct State: Sendable {
        var openConnections = 0
        var acceptedConnections: UInt64 = 0
        var rejectedConnections: UInt64 = 0
        var refusedPerAddress: UInt64 = 0
        var evictedUnauthenticated: UInt64 = 0
        var helloTimeouts: UInt64 = 0
        var messageTimeouts: UInt64 = 0
        var metricsRefused: UInt64 = 0
        var metricsIdleClosed: UInt64 = 0
        var oversizeLines: UInt64 = 0
        var idleClosed: UInt64 = 0
        var analyzedTables: UInt64 = 0
        var methods: [String: MethodStats] = [:]
    }

    private let state = NIOLockedValueBox(State())
    private let knownMethods: Set<String>
    public let startedAt = ContinuousClock.now
    public let maxConnections: Int
    /// Read-ahead lines and queued replies of all connections (its figures are shown here).
    let budget: ConnectionBudget
    /// Login, lookup and outage counters (kept apart: they are counted outside the request path).
    public let security = SecurityCounters()

    init(knownMethods: Set<String>, maxConnections: Int, maxBufferedBytes: Int) {
        self.knownMethods = knownMethods
        self.maxConnections = maxConnections
        self.budget = ConnectionBudget(limitBytes: maxBufferedBytes)
    }

    /// Counts a connection that `ConnectionAdmission` let in.
    func openConnection() {
        state.withLockedValue { s in
            s.openConnections += 1
            s.acceptedConnections += 1
        }
    }

    /// Counts a connection refused by `ConnectionAdmission` (`reason` as told to the client).
    func countRefused(reason: String) {
        state.withLockedValue { s in
            s.rejectedConnections += 1
            if reason == "too_many_from_address" { s.refusedPerAddress += 1 }
        }
    }

    func countEvicted() { state.withLockedValue { $0.evictedUnauthenticated += 1 } }
    func countHelloTimeout() { state.withLockedValue { $0.helloTimeouts += 1 } }
    func countMessageTimeout() { state.withLockedValue { $0.messageTimeouts += 1 } }
    func countMetricsRefused() { state.withLockedValue { $0.metricsRefused += 1 } }
    func countMetricsIdleClose() { state.withLockedValue { $0.metricsIdleClosed += 1 } }

    func closeConnection() {
        state.withLockedValue { s in
            precondition(s.openConnections > 0, "connection count went negative")
            s.openConnections -= 1
        }
    }

    func countOversizeLine() { state.withLockedValue { $0.oversizeLines += 1 } }
    func countIdleClose() { state.withLockedValue { $0.idleClosed += 1 } }
    func countAnalyzed(_ tables: Int) { state.withLockedValue { $0.analyzedTables += UInt64(tables) } }

    func record(method: String, microseconds: UInt64, errorCode: Int?) {
        let key = knownMethods.contains(method) ? method : "(unknown)"
        state.withLockedValue { s in
            s.methods[key, default: MethodStats()].requests += 1
            s.methods[key]!.latency.record(microseconds: microseconds)
            if let errorCode {
                s.methods[key]!.errors += 1
                s.methods[key]!.errorsByCode[errorCode, default: 0] += 1
            }
        }
    }

    var uptimeSeconds: Double {
        let elapsed = ContinuousClock.now - startedAt
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    func snapshot() -> State { state.withLockedValue { $0 } }

    /// The `server.stats` result.
    func stats(version: String, pool: PostgresPool.Statistics, databaseUp: Bool) -> RPC.Server.Stats.Result {
        typealias Stats = RPC.Server.Stats
        let s = snapshot()
        let buffers = budget.figures
        var total = LatencyHistogram()
        var methods: [(name: String, value: Stats.Method)] = []
        var requests: UInt64 = 0
        var errors: UInt64 = 0
        for (name, m) in s.methods.sorted(by: { $0.key < $1.key }) {
            total.merge(m.latency)
            requests += m.requests
            errors += m.errors
            let codes = m.errorsByCode.sorted(by: { $0.key < $1.key }).map { (name: String($0.key), value: Int64($0.value)) }
            methods.append((name, Stats.Method(requests: Int64(m.requests), errors: Int64(m.errors), errorsByCode: WireMap(codes),
                                               latencyMs: Self.percentiles(m.latency))))
        }
        return Stats.Result(
            version: version, uptimeSeconds: (uptimeSeconds * 1000).rounded() / 1000, database: databaseUp ? "ok" : "down",
            connections: Stats.Connections(
                open: Int64(s.openConnections), accepted: Int64(s.acceptedConnections), rejected: Int64(s.rejectedConnections),
                limit: Int64(maxConnections), closedIdle: Int64(s.idleClosed), oversizeLines: Int64(s.oversizeLines),
                refusedPerAddress: Int64(s.refusedPerAddress), closedUnauthenticated: Int64(s.evictedUnauthenticated),
                closedHelloTimeout: Int64(s.helloTimeouts), closedMessageTimeout: Int64(s.messageTimeouts)),
            buffers: Stats.Buffers(usedBytes: Int64(buffers.usedBytes), peakBytes: Int64(buffers.peakBytes), limitBytes: Int64(budget.limitBytes),
                                   refused: Int64(buffers.refused)),
            requests: Stats.Requests(total: Int64(requests), errors: Int64(errors), latencyMs: Self.percentiles(total)),
            methods: WireMap(methods),
            security: security.stats,
            pool: Stats.Pool(open: Int64(pool.open), inUse: Int64(pool.inUse), idle: Int64(pool.idle), waiting: Int64(pool.waiting),
                             max: Int64(pool.maxConnections), opened: Int64(pool.connectionsOpened), discarded: Int64(pool.connectionsDiscarded),
                             refused: Int64(pool.refused)))
    }

    static func percentiles(_ h: LatencyHistogram) -> RPC.Server.Stats.Latency {
        func ms(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
        return RPC.Server.Stats.Latency(p50: ms(h.percentile(0.5)), p90: ms(h.percentile(0.9)), p99: ms(h.percentile(0.99)),
                                        max: ms(Double(h.maxMicroseconds) / 1000), count: Int64(h.count))
    }

    /// The Prometheus text exposition (format 0.0.4).
    func prometheusText(pool: PostgresPool.Statistics, databaseUp: Bool) -> String {
        let s = snapshot()
        var out = ""
        func line(_ text: String) { out += text + "\n" }
        line("# HELP crmd_uptime_seconds Seconds since crmd started.")
        line("# TYPE crmd_uptime_seconds gauge")
        line("crmd_uptime_seconds \(uptimeSeconds)")
        line("# HELP crmd_database_up Whether the last database check succeeded.")
        line("# TYPE crmd_database_up gauge")
        line("crmd_database_up \(databaseUp ? 1 : 0)")
        line("# HELP crmd_connections_open Client connections open now.")
        line("# TYPE crmd_connections_open gauge")
        line("crmd_connections_open \(s.openConnections)")
        line("# HELP crmd_connections_accepted_total Client connections accepted.")
        line("# TYPE crmd_connections_accepted_total counter")
        line("crmd_connections_accepted_total \(s.acceptedConnections)")
        line("# HELP crmd_connections_rejected_total Connections refused at the connection limit.")
        line("# TYPE crmd_connections_rejected_total counter")
        line("crmd_connections_rejected_total \(s.rejectedConnections)")
        line("# HELP crmd_oversize_lines_total Lines over the length limit (connection closed).")
        line("# TYPE crmd_oversize_lines_total counter")
        line("crmd_oversize_lines_total \(s.oversizeLines)")
        line("# HELP crmd_connections_closed_total Connections closed by a protection limit.")
        line("# TYPE crmd_connections_closed_total counter")
        line("crmd_connections_closed_total{reason=\"too_many_from_address\"} \(s.refusedPerAddress)")
        line("crmd_connections_closed_total{reason=\"too_many_unauthenticated\"} \(s.evictedUnauthenticated)")
        line("crmd_connections_closed_total{reason=\"hello_timeout\"} \(s.helloTimeouts)")
        line("crmd_connections_closed_total{reason=\"message_timeout\"} \(s.messageTimeouts)")
        line("crmd_connections_closed_total{reason=\"metrics_connection_limit\"} \(s.metricsRefused)")
        line("crmd_connections_closed_total{reason=\"metrics_idle\"} \(s.metricsIdleClosed)")
        let buffers = budget.figures
        line("# HELP crmd_buffered_bytes Bytes of read-ahead lines and queued replies of all connections.")
        line("# TYPE crmd_buffered_bytes gauge")
        line("crmd_buffered_bytes \(buffers.usedBytes)")
        line("# HELP crmd_buffered_bytes_limit The budget for crmd_buffered_bytes.")
        line("# TYPE crmd_buffered_bytes_limit gauge")
        line("crmd_buffered_bytes_limit \(budget.limitBytes)")
        line("# HELP crmd_buffer_refusals_total Lines or replies refused because the budget was spent (connection closed).")
        line("# TYPE crmd_buffer_refusals_total counter")
        line("crmd_buffer_refusals_total \(buffers.refused)")
        line("# HELP crmd_requests_total Requests by method.")
        line("# TYPE crmd_requests_total counter")
        for (name, m) in s.methods.sorted(by: { $0.key < $1.key }) { line("crmd_requests_total{method=\"\(name)\"} \(m.requests)") }
        line("# HELP crmd_request_errors_total Error responses by method and code.")
        line("# TYPE crmd_request_errors_total counter")
        for (name, m) in s.methods.sorted(by: { $0.key < $1.key }) {
            for (code, n) in m.errorsByCode.sorted(by: { $0.key < $1.key }) {
                line("crmd_request_errors_total{method=\"\(name)\",code=\"\(code)\"} \(n)")
            }
        }
        line("# HELP crmd_request_duration_seconds Request latency by method.")
        line("# TYPE crmd_request_duration_seconds summary")
        for (name, m) in s.methods.sorted(by: { $0.key < $1.key }) {
            for q in [0.5, 0.9, 0.99] {
                line("crmd_request_duration_seconds{method=\"\(name)\",quantile=\"\(q)\"} \(m.latency.percentile(q) / 1000)")
            }
            line("crmd_request_duration_seconds_sum{method=\"\(name)\"} \(Double(m.latency.sumMicroseconds) / 1e6)")
            line("crmd_request_duration_seconds_count{method=\"\(name)\"} \(m.latency.count)")
        }
        line("# HELP crmd_tables_analyzed_total Tables crmd analysed because they grew by half since their last analysis.")
        line("# TYPE crmd_tables_analyzed_total counter")
        line("crmd_tables_analyzed_total \(s.analyzedTables)")
        line("# HELP crmd_pool_connections Database connections by state.")
        line("# TYPE crmd_pool_connections gauge")
        line("crmd_pool_connections{state=\"in_use\"} \(pool.inUse)")
        line("crmd_pool_connections{state=\"idle\"} \(pool.idle)")
        line("crmd_pool_connections{state=\"max\"} \(pool.maxConnections)")
        line("# HELP crmd_pool_waiting Requests waiting for a database connection.")
        line("# TYPE crmd_pool_waiting gauge")
        line("crmd_pool_waiting \(pool.waiting)")
        line("# HELP crmd_pool_refused_total Requests refused because the pool was saturated.")
        line("# TYPE crmd_pool_refused_total counter")
        line("crmd_pool_refused_total \(pool.refused)")
        out += security.prometheusText
        line("# HELP crmd_points_limit_total Times a points limit cut an earning, refused a credit or a sum, by limit.")
        line("# TYPE crmd_points_limit_total counter")
        for kind in PointsLimits.Kind.allCases { line("crmd_points_limit_total{limit=\"\(kind.name)\"} \(PointsLimits.count(kind))") }
        return out
    }
}
