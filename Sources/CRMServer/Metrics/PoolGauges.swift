import CRMPostgres
import Metrics

/// The gauges of one database pool in `/metrics` — connections in use, idle and at most (one
/// metric with a `state` label), and callers waiting — for the primary's pool and the replica's alike.
struct PoolGauges: Sendable {
    private let inUse: Meter
    private let idle: Meter
    private let max: Meter
    private let waiting: Meter

    init(connections: String, waiting waitingName: String, factory: any MetricsFactory) {
        func meter(_ name: String, _ dimensions: [(String, String)] = []) -> Meter {
            Meter(label: name, dimensions: dimensions, factory: factory)
        }
        inUse = meter(connections, [("state", "in_use")])
        idle = meter(connections, [("state", "idle")])
        max = meter(connections, [("state", "max")])
        waiting = meter(waitingName)
    }

    /// Copies a pool's figures in (under the registry's reading lock, as `MirroredFigures` does).
    func update(_ pool: PostgresPool.Statistics) {
        inUse.set(pool.inUse)
        idle.set(pool.idle)
        max.set(pool.maxConnections)
        waiting.set(pool.waiting)
    }
}
