import CRMPostgres
import CRMProtocol
import CRMStorage
import Logging

/// The stores of the reads that may run on a read replica (reports, segment previews, export
/// pages), over one pool: the primary's or the replica's.
struct LagTolerantReads: Sendable {
    let reports: ReportStore
    let segments: SegmentStore
    /// The replica's lag; nil on the primary.
    let lag: ReplicaLag?

    init(pool: PostgresPool, codec: PersonalDataCodec, isReplica: Bool) {
        self.reports = ReportStore(pool: pool)
        self.segments = SegmentStore(pool: pool, codec: codec)
        self.lag = isReplica ? ReplicaLag(pool: pool) : nil
    }
}

extension ServerContext {
    /// Runs a read that tolerates lag on the replica when there is one, and says in its result how
    /// far behind the replica was. When the replica cannot be reached the primary serves it (as it
    /// would without a replica), so that a replica's outage costs the primary load, not the reports.
    /// Writes never come here: `body` gets stores whose methods only read.
    func lagTolerant<R: ReplicaServed>(_ body: @Sendable (LagTolerantReads) async throws -> R) async throws -> R {
        var (result, lag) = try await lagTolerantRead(body)
        result.replicaLagSeconds = lag
        return result
    }

    /// `lagTolerant` for a value that is not a result yet: the value, and the replica's lag when the replica served it.
    func lagTolerantRead<T: Sendable>(_ body: @Sendable (LagTolerantReads) async throws -> T) async throws -> (value: T, lagSeconds: Double?) {
        guard let replicaReads, let lag = replicaReads.lag else { return (try await body(primaryReads), nil) }
        do {
            let value = try await body(replicaReads)
            return (value, try await lag.seconds())
        } catch let error as PostgresError where error.isConnectionFailure {
            metrics.replica?.fallbacks.increment()
            logger.warning("the read replica cannot be reached: the primary serves the read", metadata: ["error": "\(error)"])
            return (try await body(primaryReads), nil)
        }
    }
}

extension ServerContext {
    /// The replica's pool and whether it answers (checked at most once a second); nil without one.
    func replicaState() async -> ServerMetrics.ReplicaState? {
        guard let replica, let replicaHealth else { return nil }
        return ServerMetrics.ReplicaState(pool: replica.statistics, up: await replicaHealth.isUp())
    }
}
