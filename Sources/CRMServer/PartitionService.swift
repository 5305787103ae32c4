import CRMPostgres
import CRMStorage
import Logging
import ServiceLifecycle

/// Runs `PartitionMaintainer` when crmd starts and then once a day, so that the monthly partitions
/// of history tables exist `ServerConfiguration.partitionsAhead` months ahead. A failed round never
/// stops the server (rows of a month without its partition land in the DEFAULT one and are moved
/// out when it is made); it is logged and tried again after `retry`. Every round sets
/// `crmd_partition_newest_month_seconds`.
public struct PartitionService: Service {
    let context: ServerContext
    let maintainer: PartitionMaintainer
    let interval: Duration
    let retry: Duration

    public init(context: ServerContext, interval: Duration = .seconds(86_400), retry: Duration = .seconds(600)) {
        precondition(interval > .zero && retry > .zero, "the partition intervals must be positive")
        self.context = context
        self.maintainer = PartitionMaintainer(monthsAhead: context.configuration.partitionsAhead)
        self.interval = interval
        self.retry = retry
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let wait = await round() ? interval : retry
                do {
                    try await Task.sleep(for: wait)
                } catch {
                    return
                }
            }
        }
    }

    /// One round; whether it succeeded.
    func round() async -> Bool {
        do {
            let done = try await maintainer.ensure(pool: context.pool)
            if let start = done.newestMonthStart { context.metrics.recordPartitionNewestMonth(start) }
            if !done.created.isEmpty {
                context.logger.info(
                    "made monthly partitions", metadata: ["partitions": "\(done.created.joined(separator: ", "))", "newest_month": "\(done.newestMonth ?? "-")"])
            }
            return true
        } catch let error as PostgresError where error.kind == .cancelled {
            return false  // shutting down
        } catch {
            context.logger.warning(
                "could not make monthly partitions; rows of months without one go to the DEFAULT partition until then",
                metadata: ["error": "\(StatisticsService.oneLine(error))", "retry_seconds": "\(retry.components.seconds)"])
            return false
        }
    }
}
