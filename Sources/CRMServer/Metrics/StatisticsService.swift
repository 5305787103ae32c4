import CRMPostgres
import CRMStorage
import Logging
import ServiceLifecycle

/// Runs `StatisticsKeeper` every `interval` for as long as crmd serves, so the plans of prepared
/// statements follow the tables as a bulk load grows them. A failed round is logged and retried
/// at the next interval; it never stops the server. While the database cannot be reached, the
/// rounds that fail are counted and logged as an outage (`OutageLog`), not one by one.
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
            var outage = OutageLog()
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                await round(&outage)
            }
        }
    }

    private func round(_ outage: inout OutageLog) async {
        let started = ContinuousClock.now
        do {
            let round = try await keeper.refresh()
            if let report = outage.succeeded() { log(report, error: nil) }
            for failure in round.failed {
                context.logger.warning("could not analyse a table", metadata: ["table": "\(failure.table)", "error": "\(failure.error)"])
            }
            guard !round.analyzed.isEmpty else { return }
            context.metrics.countAnalyzed(round.analyzed.count)
            context.logger.info(
                "analysed tables that grew",
                metadata: [
                    "tables": "\(round.analyzed.map { "\($0.table) (\($0.countedBefore) rows counted, \($0.changedSince) changed)" }.joined(separator: ", "))",
                    "elapsed": "\(ContinuousClock.now - started)",
                ])
        } catch let error as PostgresError where error.kind == .cancelled {
            return  // shutting down: the round was cut short on purpose
        } catch let error as PostgresError where error.isConnectionFailure {
            context.metrics.security.count(\.databaseFailures)
            if let report = outage.failed() { log(report, error: error) }
        } catch {
            context.logger.warning("could not analyse tables", metadata: ["error": "\(Self.oneLine(error))"])
        }
    }

    private func log(_ report: OutageLog.Report, error: PostgresError?) {
        let logger = context.logger
        switch report {
        case .wentDown:
            logger.warning(
                "the database cannot be reached; background statistics paused until it answers",
                metadata: ["error": "\(error.map(Self.oneLine) ?? "-")"])
        case .stillDown(let failures, let downFor):
            logger.warning(
                "the database still cannot be reached",
                metadata: [
                    "failures": "\(failures)", "down_seconds": "\(downFor.components.seconds)", "error": "\(error.map(Self.oneLine) ?? "-")",
                ])
        case .cameBack(let failures, let downFor):
            logger.notice("the database answers again", metadata: ["failures": "\(failures)", "down_seconds": "\(downFor.components.seconds)"])
        }
    }

    /// libpq's messages run over several lines; a log line must not.
    static func oneLine(_ error: any Error) -> String {
        String(describing: error).split(whereSeparator: \.isNewline).map { String($0.drop(while: \.isWhitespace)) }.joined(separator: " / ")
    }
}
