import CRMPostgres
import Metrics

/// The read replica's figures in `/metrics` (only when crmd has one, `--replica-url`): its pool,
/// whether it answers, and how often the primary served a read because it did not.
final class ReplicaFigures: Sendable {
    private let up: Meter
    private let pool: PoolGauges
    /// Lag-tolerant reads the primary served because the replica could not be reached.
    let fallbacks: Counter

    init(factory: any MetricsFactory) {
        up = Meter(label: MetricName.replicaUp, factory: factory)
        pool = PoolGauges(connections: MetricName.replicaPoolConnections, waiting: MetricName.replicaPoolWaiting, factory: factory)
        fallbacks = Counter(label: MetricName.replicaFallbacks, factory: factory)
    }

    /// Copies the replica pool's figures in (under the registry's reading lock, as `MirroredFigures`).
    func update(pool figures: PostgresPool.Statistics, up isUp: Bool) {
        up.set(isUp ? 1 : 0)
        pool.update(figures)
    }
}
