import CRMPostgres
import CRMProtocol

/// The `server.stats` result, read from the same registry output that `/metrics` serves.
extension ServerMetrics {
    typealias Stats = RPC.Server.Stats

    func stats(version: String, pool: PostgresPool.Statistics, databaseUp: Bool, replica: ReplicaState? = nil) -> Stats.Result {
        let samples = samples(pool: pool, databaseUp: databaseUp, replica: replica)
        let total = LatencyDistribution(samples, method: nil)
        let requests = samples.series(MetricName.requests).reduce(0) { $0 + Int64($1.value) }
        let errors = samples.series(MetricName.requestErrors).reduce(0) { $0 + Int64($1.value) }
        var result = Stats.Result(
            version: version, uptimeSeconds: (samples.value(MetricName.uptime) * 1000).rounded() / 1000,
            database: samples.value(MetricName.databaseUp) == 1 ? "ok" : "down",
            connections: connections(samples),
            buffers: Stats.Buffers(
                usedBytes: samples.count(MetricName.bufferedBytes), peakBytes: Int64(budget.figures.peakBytes),
                limitBytes: samples.count(MetricName.bufferedBytesLimit), refused: samples.count(MetricName.bufferRefusals)),
            requests: Stats.Requests(total: requests, errors: errors, latencyMs: Self.percentiles(total)),
            methods: Self.methods(samples),
            security: SecurityCounters.stats(samples),
            pool: Stats.Pool(
                open: Int64(pool.open), inUse: Int64(pool.inUse), idle: Int64(pool.idle), waiting: Int64(pool.waiting),
                max: Int64(pool.maxConnections), opened: Int64(pool.connectionsOpened),
                discarded: Int64(pool.connectionsDiscarded), refused: Int64(pool.refused)))
        if let replica {
            result.replicaPool = Self.pool(replica.pool)
            result.replica = replica.up ? "ok" : "down"
        }
        return result
    }

    private static func pool(_ p: PostgresPool.Statistics) -> Stats.Pool {
        Stats.Pool(
            open: Int64(p.open), inUse: Int64(p.inUse), idle: Int64(p.idle), waiting: Int64(p.waiting), max: Int64(p.maxConnections),
            opened: Int64(p.connectionsOpened), discarded: Int64(p.connectionsDiscarded), refused: Int64(p.refused))
    }

    private func connections(_ samples: PrometheusSamples) -> Stats.Connections {
        func closed(_ reason: ClosedReason) -> Int64 { samples.count(MetricName.connectionsClosed, ["reason": reason.rawValue]) }
        return Stats.Connections(
            open: samples.count(MetricName.connectionsOpen), accepted: samples.count(MetricName.connectionsAccepted),
            rejected: samples.count(MetricName.connectionsRejected), limit: Int64(maxConnections), closedIdle: closed(.idle),
            oversizeLines: samples.count(MetricName.oversizeLines), refusedPerAddress: closed(.tooManyFromAddress),
            closedUnauthenticated: closed(.tooManyUnauthenticated), closedHelloTimeout: closed(.helloTimeout),
            closedMessageTimeout: closed(.messageTimeout))
    }

    /// Requests, errors by code and latency of each method that was called, by name.
    private static func methods(_ samples: PrometheusSamples) -> WireMap<Stats.Method> {
        var errorsByMethod: [String: [Int: Int64]] = [:]
        for s in samples.series(MetricName.requestErrors) {
            guard let method = s.labels["method"], let code = s.labels["code"].flatMap({ Int($0) }) else { continue }
            errorsByMethod[method, default: [:]][code] = Int64(s.value)
        }
        var methods: [(name: String, value: Stats.Method)] = []
        for s in samples.series(MetricName.requests).sorted(by: { ($0.labels["method"] ?? "") < ($1.labels["method"] ?? "") }) {
            guard let name = s.labels["method"] else { continue }
            let byCode = errorsByMethod[name, default: [:]].sorted { $0.key < $1.key }
            methods.append(
                (
                    name,
                    Stats.Method(
                        requests: Int64(s.value), errors: byCode.reduce(0) { $0 + $1.value },
                        errorsByCode: WireMap(byCode.map { (name: String($0.key), value: $0.value) }),
                        latencyMs: percentiles(LatencyDistribution(samples, method: name)))
                ))
        }
        return WireMap(methods)
    }

    static func percentiles(_ latency: LatencyDistribution) -> Stats.Latency {
        func ms(_ seconds: Double) -> Double { (seconds * 1_000_000).rounded() / 1000 }
        return Stats.Latency(
            p50: ms(latency.percentile(0.5)), p90: ms(latency.percentile(0.9)), p99: ms(latency.percentile(0.99)),
            max: ms(latency.maxSeconds), count: Int64(latency.count))
    }
}
