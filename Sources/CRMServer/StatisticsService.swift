import CRMStorage
import Logging
import ServiceLifecycle

/// Runs `StatisticsKeeper` every `interval` for as long as crmd serves, so the plans of prepared
/// statements follow the tables as a bulk load grows them. A failed round is logged and retried
/// at the next interval; it never stops the server.
public struct StatisticsService: Service {
    let context: ServerContext
    let interval: Duration
    let keeper: StatisticsKeeper

    public init(context: ServerContext, interval: Duration) {
        precondition(interval > .zero, "the statistics interval must be positive")
        self.context = context
        self.interval = interval
        self.keeper = StatisticsKeeper(pool: context.pool)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                await round()
            }
        }
    }

    private func round() async {
        let started = ContinuousClock.now
        do {
            let round = try await keeper.refresh()
            for failure in round.failed {
                context.logger.warning("could not analyse a table", metadata: ["table": "\(failure.table)", "error": "\(failure.error)"])
            }
            guard !round.analyzed.isEmpty else { return }
            context.metrics.countAnalyzed(round.analyzed.count)
            context.logger.info("analysed tables that grew", metadata: [
                "tables": "\(round.analyzed.map { "\($0.table) (\($0.countedBefore) rows counted, \($0.changedSince) changed)" }.joined(separator: ", "))",
                "elapsed": "\(ContinuousClock.now - started)",
            ])
        } catch {
            context.logger.warning("could not analyse tables", metadata: ["error": "\(error)"])
        }
    }
}
