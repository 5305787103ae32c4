import CRMPostgres
import CRMProtocol

/// The `server.stats` result, read from the same registry output that `/metrics` serves.
extension ServerMetrics {
    func statsJSON(version: String, pool: PostgresPool.Statistics, databaseUp: Bool) -> JSONValue {
        let samples = samples(pool: pool, databaseUp: databaseUp)
        let methods = Self.methodsJSON(samples)
        let total = LatencyDistribution(samples, method: nil)
        let requests = samples.series(MetricName.requests).reduce(0) { $0 + Int64($1.value) }
        let errors = samples.series(MetricName.requestErrors).reduce(0) { $0 + Int64($1.value) }
        return [
            "version": .string(version),
            "uptime_seconds": .double((samples.value(MetricName.uptime) * 1000).rounded() / 1000),
            "database": samples.value(MetricName.databaseUp) == 1 ? "ok" : "down",
            "connections": connectionsJSON(samples),
            "buffers": [
                "used_bytes": .int(samples.count(MetricName.bufferedBytes)), "peak_bytes": .int(budget.figures.peakBytes),
                "limit_bytes": .int(samples.count(MetricName.bufferedBytesLimit)), "refused": .int(samples.count(MetricName.bufferRefusals)),
            ],
            "requests": ["total": .int(requests), "errors": .int(errors), "latency_ms": Self.percentiles(total)],
            "methods": .object(methods),
            "security": SecurityCounters.json(samples),
            "pool": [
                "open": .int(pool.open), "in_use": .int(pool.inUse), "idle": .int(pool.idle), "waiting": .int(pool.waiting),
                "max": .int(pool.maxConnections), "opened": .int(pool.connectionsOpened),
                "discarded": .int(pool.connectionsDiscarded), "refused": .int(pool.refused),
            ],
        ]
    }

    private func connectionsJSON(_ samples: PrometheusSamples) -> JSONValue {
        func closed(_ reason: ClosedReason) -> JSONValue { .int(samples.count(MetricName.connectionsClosed, ["reason": reason.rawValue])) }
        return [
            "open": .int(samples.count(MetricName.connectionsOpen)), "accepted": .int(samples.count(MetricName.connectionsAccepted)),
            "rejected": .int(samples.count(MetricName.connectionsRejected)), "limit": .int(maxConnections),
            "closed_idle": closed(.idle), "oversize_lines": .int(samples.count(MetricName.oversizeLines)),
            "refused_per_address": closed(.tooManyFromAddress),
            "closed_unauthenticated": closed(.tooManyUnauthenticated),
            "closed_hello_timeout": closed(.helloTimeout),
            "closed_message_timeout": closed(.messageTimeout),
        ]
    }

    /// Requests, errors by code and latency of each method that was called, by name.
    private static func methodsJSON(_ samples: PrometheusSamples) -> JSONObject {
        var errorsByMethod: [String: [Int: Int64]] = [:]
        for s in samples.series(MetricName.requestErrors) {
            guard let method = s.labels["method"], let code = s.labels["code"].flatMap({ Int($0) }) else { continue }
            errorsByMethod[method, default: [:]][code] = Int64(s.value)
        }
        var methods = JSONObject()
        for s in samples.series(MetricName.requests).sorted(by: { ($0.labels["method"] ?? "") < ($1.labels["method"] ?? "") }) {
            guard let name = s.labels["method"] else { continue }
            let byCode = errorsByMethod[name, default: [:]].sorted { $0.key < $1.key }
            var codes = JSONObject()
            for (code, n) in byCode { codes[String(code)] = .int(n) }
            methods[name] = [
                "requests": .int(Int64(s.value)), "errors": .int(byCode.reduce(0) { $0 + $1.value }), "errors_by_code": .object(codes),
                "latency_ms": percentiles(LatencyDistribution(samples, method: name)),
            ]
        }
        return methods
    }

    static func percentiles(_ latency: LatencyDistribution) -> JSONValue {
        func ms(_ seconds: Double) -> JSONValue { .double((seconds * 1_000_000).rounded() / 1000) }
        return ["p50": ms(latency.percentile(0.5)), "p90": ms(latency.percentile(0.9)), "p99": ms(latency.percentile(0.99)),
                "max": ms(latency.maxSeconds), "count": .int(Int64(latency.count))]
    }
}
