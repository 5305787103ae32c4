import CRMPostgres
import CRMStorage
import Metrics

/// Figures that other parts of crmd keep — the clock, the database check, the connection budget,
/// the database pool, the points limits — copied into the registry just before it is read
/// (swift-prometheus has no gauges that are asked at scrape time). They stay where they are kept:
/// the pool and the budget need them to decide, not to report.
final class MirroredFigures: Sendable {
    private let uptime: Meter
    private let databaseUp: Meter
    private let bufferedBytes: Meter
    private let bufferedBytesLimit: Meter
    private let poolGauges: PoolGauges
    private let poolRefused: Counter
    private let pointsLimits: [(kind: PointsLimits.Kind, counter: Counter)]

    init(factory: any MetricsFactory) {
        func meter(_ name: String, _ dimensions: [(String, String)] = []) -> Meter {
            Meter(label: name, dimensions: dimensions, factory: factory)
        }
        uptime = meter(MetricName.uptime)
        databaseUp = meter(MetricName.databaseUp)
        bufferedBytes = meter(MetricName.bufferedBytes)
        bufferedBytesLimit = meter(MetricName.bufferedBytesLimit)
        poolGauges = PoolGauges(connections: MetricName.poolConnections, waiting: MetricName.poolWaiting, factory: factory)
        poolRefused = Counter(label: MetricName.poolRefused, factory: factory)
        pointsLimits = PointsLimits.Kind.allCases.map {
            ($0, Counter(label: MetricName.pointsLimit, dimensions: [("limit", $0.name)], factory: factory))
        }
    }

    /// Copies the figures in. Call it only under the lock that every reading of the registry takes:
    /// a counter is set by resetting it and adding, which a reading in between would see half done.
    func update(uptimeSeconds: Double, databaseUp up: Bool, budget: ConnectionBudget, pool: PostgresPool.Statistics) {
        uptime.set(uptimeSeconds)
        databaseUp.set(up ? 1 : 0)
        bufferedBytes.set(budget.figures.usedBytes)
        bufferedBytesLimit.set(budget.limitBytes)
        poolGauges.update(pool)
        Self.set(poolRefused, to: UInt64(max(0, pool.refused)))
        for (kind, counter) in pointsLimits { Self.set(counter, to: PointsLimits.count(kind)) }
    }

    private static func set(_ counter: Counter, to value: UInt64) {
        counter.reset()
        counter.increment(by: value)
    }
}
