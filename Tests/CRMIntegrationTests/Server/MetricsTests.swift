import CRMProtocol
import Testing

@testable import CRMPostgres
@testable import CRMServer

/// crmd's counters through swift-metrics into a Prometheus registry per server: what `/metrics`
/// shows and what `server.stats` reads back are the same figures.
@Suite("metrics")
struct MetricsTests {
    static let pool = PostgresPool.Statistics(
        open: 2, idle: 1, inUse: 1, waiting: 0, maxConnections: 4,
        connectionsOpened: 2, connectionsDiscarded: 0, refused: 3)

    static func metrics() -> ServerMetrics {
        ServerMetrics(knownMethods: ["server.health", "member.get", "(invalid)"], maxConnections: 10, maxBufferedBytes: 1 << 20)
    }

    @Test("two servers in one process keep their own counts")
    func ownRegistry() {
        let a = Self.metrics()
        let b = Self.metrics()
        for _ in 0..<3 { a.record(method: "server.health", microseconds: 40, errorCode: nil) }
        b.openConnection()
        let textA = a.exposition(pool: Self.pool, databaseUp: true)
        let textB = b.exposition(pool: Self.pool, databaseUp: false)
        #expect(textA.contains("crmd_requests_total{method=\"server.health\"} 3"))
        #expect(!textB.contains("crmd_requests_total{method="))
        #expect(PrometheusSamples(exposition: textA).value("crmd_connections_open") == 0)
        #expect(PrometheusSamples(exposition: textB).value("crmd_connections_open") == 1)
        #expect(PrometheusSamples(exposition: textB).value("crmd_database_up") == 0)
    }

    @Test("the exposition keeps the names, labels, HELP and TYPE lines operators rely on")
    func exposition() {
        let m = Self.metrics()
        m.record(method: "member.get", microseconds: 1_200, errorCode: -32602)
        m.record(method: "no.such", microseconds: 5, errorCode: -32601)
        m.countRefused(reason: "too_many_from_address")
        m.security.count(\.failedLogins)
        let text = m.exposition(pool: Self.pool, databaseUp: true)
        for line in [
            "# HELP crmd_requests_total Requests by method.", "# TYPE crmd_requests_total counter",
            "# TYPE crmd_request_duration_seconds histogram", "# TYPE crmd_connections_open gauge",
            "crmd_request_errors_total{method=\"member.get\",code=\"-32602\"} 1",
            "crmd_request_errors_total{method=\"(unknown)\",code=\"-32601\"} 1",
            "crmd_request_duration_seconds_bucket{method=\"member.get\",le=\"0.0025\"} 1",
            "crmd_request_duration_seconds_bucket{method=\"member.get\",le=\"0.001\"} 0",
            "crmd_request_duration_seconds_count{method=\"member.get\"} 1",
            "crmd_connections_closed_total{reason=\"too_many_from_address\"} 1",
            "crmd_connections_closed_total{reason=\"metrics_idle\"} 0",
            "crmd_connections_rejected_total 1", "crmd_failed_logins_total 1", "crmd_pool_refused_total 3",
            "crmd_pool_connections{state=\"max\"} 4.0", "crmd_points_limit_total{limit=\"max_balance\"} ",
        ] {
            #expect(text.contains(line + (line.hasSuffix(" ") ? "" : "\n")), "missing: \(line)")
        }
        // Mirrored counters are set, not added to, at each reading.
        #expect(m.exposition(pool: Self.pool, databaseUp: true).contains("crmd_pool_refused_total 3\n"))
    }

    @Test("server.stats reads the figures the exposition shows")
    func statsReadTheRegistry() throws {
        let m = Self.metrics()
        for micros: UInt64 in [100, 200, 300, 4_000] { m.record(method: "server.health", microseconds: micros, errorCode: nil) }
        m.record(method: "server.health", microseconds: 50, errorCode: -32029)
        m.record(method: "(invalid)", microseconds: 0, errorCode: -32700)
        m.openConnection()
        m.countIdleClose()
        m.security.count(\.databaseFailures)
        let stats = try JSONValueEncoder().encode(m.stats(version: "t", pool: Self.pool, databaseUp: true))
        let health = try #require(stats["methods"]?["server.health"])
        #expect(health["requests"] == 5)
        #expect(health["errors"] == 1)
        #expect(health["errors_by_code"]?["-32029"] == 1)
        #expect(health["latency_ms"]?["count"] == 5)
        #expect(health["latency_ms"]?["max"]?.doubleValue == 4)
        #expect(stats["methods"]?["(invalid)"]?["errors"] == 1)
        #expect(stats["requests"]?["total"] == 6)
        #expect(stats["requests"]?["errors"] == 2)
        #expect(stats["connections"]?["open"] == 1)
        #expect(stats["connections"]?["closed_idle"] == 1)
        #expect(stats["connections"]?["limit"] == 10)
        #expect(stats["security"]?["database_failures"] == 1)
        #expect(m.security.snapshot.databaseFailures == 1)
        #expect(stats["buffers"]?["limit_bytes"] == .int(1 << 20))
        #expect(stats["database"] == "ok")
    }

    @Test("percentiles are interpolated within the buckets and never above the slowest request")
    func percentiles() {
        let m = Self.metrics()
        // 100 requests: 90 in (250 µs, 500 µs], 10 in (2.5 ms, 5 ms], the slowest 3 ms.
        for _ in 0..<90 { m.record(method: "member.get", microseconds: 400, errorCode: nil) }
        for _ in 0..<10 { m.record(method: "member.get", microseconds: 3_000, errorCode: nil) }
        let latency = LatencyDistribution(m.samples(pool: Self.pool, databaseUp: true), method: "member.get")
        #expect(latency.count == 100)
        #expect(abs(latency.percentile(0.5) - (0.00025 + 0.00025 * 50 / 90)) < 1e-9)
        #expect(abs(latency.percentile(0.9) - 0.0005) < 1e-9)
        #expect(latency.percentile(0.99) == 0.003)
        #expect(latency.maxSeconds == 0.003)
        #expect(LatencyDistribution(m.samples(pool: Self.pool, databaseUp: true), method: "server.health").percentile(0.5) == 0)
    }

    @Test("an exposition is read back line by line, escapes and all")
    func parse() {
        let samples = PrometheusSamples(
            exposition: """
                # HELP x_total Things.
                # TYPE x_total counter
                x_total{a="1",b="q\\"uote\\\\d\\nline"} 7
                y 2.5
                h_bucket{method="m",le="+Inf"} 4
                not a sample
                """)
        #expect(samples.value("x_total", ["a": "1", "b": "q\"uote\\d\nline"]) == 7)
        #expect(samples.value("y") == 2.5)
        #expect(samples.series("h_bucket") == [.init(labels: ["method": "m", "le": "+Inf"], value: 4)])
        #expect(samples.value("missing") == 0)
        #expect(samples.series("not").isEmpty)
    }
}
