import CRMPostgres
import Metrics

/// The read replica's figures in `/metrics` (only when crmd has one, `--replica-url`): its pool,
/// whether it answers, and how often the primary served a read because it did not.
final class ReplicaFigures: Sendable {
    private let up: Meter
    private let inUse: Meter
    private let idle: Meter
    private let max: Meter
    private let waiting: Meter
    /// Lag-tolerant reads the primary served because the replica could not be reached.
    let fallbacks: Counter

    init(factory: any MetricsFactory) {
        func meter(_ name: String, _ dimensions: [(String, String)] = []) -> Meter {
            Meter(label: name, dimensions: dimensions, factory: factory)
        }
        up = meter(MetricName.replicaUp)
        inUse = meter(MetricName.replicaPoolConnections, [("state", "in_use")])
        idle = meter(MetricName.replicaPoolConnections, [("state", "idle")])
        max = meter(MetricName.replicaPoolConnections, [("state", "max")])
        waiting = meter(MetricName.replicaPoolWaiting)
        fallbacks = Counter(label: MetricName.replicaFallbacks, factory: factory)
    }

    /// Copies the replica pool's figures in (under the registry's reading lock, as `MirroredFigures`).
    func update(pool: PostgresPool.Statistics, up isUp: Bool) {
        up.set(isUp ? 1 : 0)
        inUse.set(pool.inUse)
        idle.set(pool.idle)
        max.set(pool.maxConnections)
        waiting.set(pool.waiting)
    }
}
