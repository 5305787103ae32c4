import CRMPostgres
import Metrics
import Synchronization

import class Prometheus.PrometheusCollectorRegistry

/// Counters and latencies of one crmd server, kept with swift-metrics in the server's own
/// `PrometheusCollectorRegistry`: the Prometheus endpoint serves the registry's output and
/// `server.stats` reads it back (`PrometheusSamples`). Method names outside the known set are counted
/// as `(unknown)` so a hostile client cannot grow the tables.
public final class ServerMetrics: Sendable {
    /// Why a protection limit closed a connection: the `reason` label of `crmd_connections_closed_total`.
    enum ClosedReason: String, CaseIterable, Sendable {
        case tooManyFromAddress = "too_many_from_address"
        case tooManyUnauthenticated = "too_many_unauthenticated"
        case helloTimeout = "hello_timeout"
        case messageTimeout = "message_timeout"
        case idle = "idle"
        case metricsConnectionLimit = "metrics_connection_limit"
        case metricsIdle = "metrics_idle"
    }

    let registry = PrometheusCollectorRegistry()
    let factory: DescribedMetricsFactory
    private let knownMethods: Set<String>
    private let methods = Mutex<[String: MethodInstruments]>([:])
    public let startedAt = ContinuousClock.now
    public let maxConnections: Int
    /// Read-ahead lines and queued replies of all connections (its figures are shown here).
    let budget: ConnectionBudget
    /// Login, lookup and outage counters (kept apart: they are counted outside the request path).
    public let security: SecurityCounters
    private let connectionsOpen: Meter
    private let connectionsAccepted: Counter
    private let connectionsRejected: Counter
    private let closed: [ClosedReason: Counter]
    private let oversizeLines: Counter
    private let tablesAnalyzed: Counter
    private let partitionNewestMonth: Gauge
    private let mirrored: MirroredFigures
    /// The read replica's figures; nil without one.
    let replica: ReplicaFigures?
    /// Taken by every reading of the registry, so the mirrored figures are whole when read.
    private let reading = Mutex(())

    init(knownMethods: Set<String>, maxConnections: Int, maxBufferedBytes: Int, hasReplica: Bool = false) {
        let factory = DescribedMetricsFactory(registry: registry)
        func counter(_ name: String) -> Counter { Counter(label: name, factory: factory) }
        self.factory = factory
        self.knownMethods = knownMethods
        self.maxConnections = maxConnections
        self.budget = ConnectionBudget(limitBytes: maxBufferedBytes, refusals: counter(MetricName.bufferRefusals))
        self.security = SecurityCounters(factory: factory, registry: registry)
        connectionsOpen = Meter(label: MetricName.connectionsOpen, factory: factory)
        connectionsAccepted = counter(MetricName.connectionsAccepted)
        connectionsRejected = counter(MetricName.connectionsRejected)
        closed = Dictionary(
            uniqueKeysWithValues: ClosedReason.allCases.map {
                ($0, Counter(label: MetricName.connectionsClosed, dimensions: [("reason", $0.rawValue)], factory: factory))
            })
        oversizeLines = counter(MetricName.oversizeLines)
        tablesAnalyzed = counter(MetricName.tablesAnalyzed)
        partitionNewestMonth = Gauge(label: MetricName.partitionNewestMonth, factory: factory)
        mirrored = MirroredFigures(factory: factory)
        replica = hasReplica ? ReplicaFigures(factory: factory) : nil
    }

    /// Counts a connection that `ConnectionAdmission` let in.
    func openConnection() {
        connectionsOpen.increment()
        connectionsAccepted.increment()
    }

    func closeConnection() { connectionsOpen.decrement() }

    /// Counts a connection refused by `ConnectionAdmission` (`reason` as told to the client).
    func countRefused(reason: String) {
        connectionsRejected.increment()
        if reason == ClosedReason.tooManyFromAddress.rawValue { closed[.tooManyFromAddress]!.increment() }
    }

    func countEvicted() { closed[.tooManyUnauthenticated]!.increment() }
    func countHelloTimeout() { closed[.helloTimeout]!.increment() }
    func countMessageTimeout() { closed[.messageTimeout]!.increment() }
    func countIdleClose() { closed[.idle]!.increment() }
    func countMetricsRefused() { closed[.metricsConnectionLimit]!.increment() }
    func countMetricsIdleClose() { closed[.metricsIdle]!.increment() }
    func countOversizeLine() { oversizeLines.increment() }
    func countAnalyzed(_ tables: Int) { tablesAnalyzed.increment(by: tables) }
    func recordPartitionNewestMonth(_ startSeconds: Int64) { partitionNewestMonth.record(startSeconds) }

    /// Counts one answered request (or one that could not be read: `(invalid)`).
    func record(method: String, microseconds: UInt64, errorCode: Int?) {
        let key = knownMethods.contains(method) ? method : "(unknown)"
        let instruments = methods.withLock { made in
            if let found = made[key] { return found }
            let new = MethodInstruments(method: key, factory: factory)
            made[key] = new
            return new
        }
        instruments.record(microseconds: microseconds)
        if let errorCode {
            Counter(label: MetricName.requestErrors, dimensions: [("method", key), ("code", String(errorCode))], factory: factory).increment()
        }
    }

    var uptimeSeconds: Double {
        let elapsed = ContinuousClock.now - startedAt
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// The Prometheus text exposition (format 0.0.4) of everything this server counts.
    func exposition(pool: PostgresPool.Statistics, databaseUp: Bool, replica replicaState: ReplicaState? = nil) -> String {
        reading.withLock { _ in
            mirrored.update(uptimeSeconds: uptimeSeconds, databaseUp: databaseUp, budget: budget, pool: pool)
            if let replicaState { replica?.update(pool: replicaState.pool, up: replicaState.up) }
            return registry.emitToString()
        }
    }

    /// The exposition read back, for `server.stats`.
    func samples(pool: PostgresPool.Statistics, databaseUp: Bool, replica: ReplicaState? = nil) -> PrometheusSamples {
        PrometheusSamples(exposition: exposition(pool: pool, databaseUp: databaseUp, replica: replica))
    }

    /// The read replica's pool and whether it answered, as `exposition` mirrors them.
    struct ReplicaState: Sendable {
        var pool: PostgresPool.Statistics
        var up: Bool
    }
}

/// What one method's requests are counted in, made when the method is first called (so the
/// exposition lists the methods that were called, not every one there is).
private final class MethodInstruments: Sendable {
    let requests: Counter
    let latency: Metrics.Timer
    let slowest: Meter
    /// The slowest request so far, in microseconds; the gauge is set under this lock so that two
    /// requests finishing together cannot leave it at the faster one.
    let slowestMicroseconds = Mutex<UInt64>(0)

    init(method: String, factory: any MetricsFactory) {
        requests = Counter(label: MetricName.requests, dimensions: [("method", method)], factory: factory)
        latency = Metrics.Timer(label: MetricName.requestDuration, dimensions: [("method", method)], factory: factory)
        slowest = Meter(label: MetricName.requestDurationMax, dimensions: [("method", method)], factory: factory)
    }

    func record(microseconds: UInt64) {
        requests.increment()
        latency.recordMicroseconds(microseconds)
        slowestMicroseconds.withLock { max in
            guard microseconds > max else { return }
            max = microseconds
            slowest.set(Double(microseconds) / 1e6)
        }
    }
}
