import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// What a run has expired so far, as the server recorded it: each answer carries the run's totals
/// (`run`), which replace what came before. Summing the batches' answers would miss a batch that
/// committed while its answer was lost (the database connection broke after the commit, and the
/// retried call went on with the next batch).
struct ExpiryTotals {
    var batches = 0
    var members: Int64 = 0
    var lots: Int64 = 0
    var points: Int64 = 0

    /// Takes one batch's answer. Expired points are reported as a count, whatever sign the server uses.
    mutating func add(_ batch: RPC.Points.Expire.Result) {
        batches += 1
        if let run = batch.run {
            (members, lots, points) = (run.members, run.lots, Int64(clamping: run.points.magnitude))
        } else {
            // A dry run: its own figures.
            members += batch.members
            lots += batch.lots
            points += Int64(clamping: batch.points.magnitude)
        }
    }

    var sentence: String { "\(points) points from \(lots) lots of \(members) members" }
    var batchesText: String { batches == 1 ? "1 batch" : "\(batches) batches" }
}

extension PointsExpiry {
    /// `points-expiry run`: expires what is due as of a day in committed batches, then re-evaluates levels.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Expire the points due as of a day, in committed batches; then re-evaluate levels.",
            discussion: """
                Calls points.expire with --batch-size members at a time until the server says the run is done; every \
                batch is its own transaction, so what was expired stays expired whatever happens next. Due means lots \
                expiring on or before the end of --as-of (the merchant's day), or the yearly clearing on or before it; \
                a second run for the same day expires nothing, so a run that was stopped is resumed by running it again. \
                Then, unless --skip-levels, level.evaluate as of the same day. Only one run may be going at a time: \
                another one makes this one exit 75 at once. SIGINT/SIGTERM: the batch in flight finishes, the job \
                stops (130/143) and levels are not evaluated; run the same command again to finish.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(
            name: .customLong("as-of"),
            help: ArgumentHelp("Expire what is due by the end of this day, YYYY-MM-DD (for a nightly run: yesterday).", valueName: "date"))
        var asOf: String
        @Flag(name: .customLong("dry-run"), help: "Count what would expire; change nothing (and evaluate no levels).") var dryRun = false
        @Option(name: .customLong("batch-size"), help: "Members per batch, one transaction each (1-10000).") var batchSize = 1_000
        @Flag(name: .customLong("skip-levels"), help: "Do not re-evaluate levels after the expiry.") var skipLevels = false

        /// Attempts of one batch when the server says to retry (overloaded, unavailable, a serialization failure).
        static let attempts = 5

        func validate() throws {
            guard Formats.isCalendarDate(asOf) else { throw ValidationError("--as-of must be a date YYYY-MM-DD") }
            guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1...10000") }
        }

        func run() async throws {
            try await StopSignal.handling {
                try await runClientCommand("points-expiry") {
                    try await connection.withClient(client: "points-expiry/0.1") { try await job($0) }
                }
            }
        }

        /// Expires (or counts), then evaluates levels unless told not to or stopped by a signal.
        private func job(_ client: RPCClient) async throws {
            if dryRun { return try await countDue(client) }
            let finished = try await expire(client)
            if StopSignal.isRequested {
                log(
                    finished
                        ? "stopped by signal before evaluating levels; run the same command again to evaluate them (nothing more will expire)"
                        : "stopped by signal after the batch in flight; what was expired stays expired: run the same command again to expire the rest")
                throw ExitCode(StopSignal.exitStatus)
            }
            guard !skipLevels else { return }
            let levels = try await call(client, RPC.Level.Evaluate.self, .init(asOf: asOf))
            print("levels: \(levels.members) members evaluated, \(levels.raised) raised, \(levels.lowered) lowered, \(levels.pendingDrop) pending a drop")
        }

        private func countDue(_ client: RPCClient) async throws {
            let r = try await call(client, RPC.Points.Expire.self, .init(asOf: asOf, dryRun: true))
            var totals = ExpiryTotals()
            totals.add(r)
            print("would expire \(totals.sentence) as of \(asOf) (dry run: nothing changed)")
            if !r.done { log("the server says its count is not complete (done: false)") }
        }

        /// Runs batches until the server says done, or a signal asks to stop after the batch in flight;
        /// says whether the run is done.
        private func expire(_ client: RPCClient) async throws -> Bool {
            let progress = ExpiryProgress()
            var totals = ExpiryTotals()
            var runID: Int64? = nil
            var done = false
            do {
                while !done && !StopSignal.isRequested {
                    let batch = try await call(client, RPC.Points.Expire.self, .init(asOf: asOf, limit: batchSize, runID: runID), progress: progress)
                    runID = batch.runID ?? runID
                    totals.add(batch)
                    done = batch.done
                    progress.update(totals, runID: runID.map(String.init))
                }
            } catch {
                progress.finish()
                if totals.batches > 0 {
                    log(
                        "stopped after \(totals.batchesText) of run \(runID.map(String.init) ?? "?"): expired \(totals.sentence) as of \(asOf) so far (that stays expired); run the same command again to expire the rest"
                    )
                }
                throw error
            }
            progress.finish()
            let run = runID.map { " (run \($0))" } ?? ""
            print((done ? "" : "stopped after \(totals.batchesText): ") + "expired \(totals.sentence) as of \(asOf)\(run)")
            return done
        }

        /// One call, retried with backoff while the server says to retry later; another run going is
        /// a distinct failure (exit 75).
        private func call<M: RPCMethod>(_ client: RPCClient, _ method: M.Type, _ params: M.Params, progress: ExpiryProgress? = nil) async throws -> M.Result {
            try await retrying(M.name, progress: progress) { try await client.call(method, params) }
        }

        private func retrying<T>(_ method: String, progress: ExpiryProgress?, _ body: () async throws -> T) async throws -> T {
            var attempt = 1
            while true {
                do {
                    return try await body()
                } catch let error as RPCError where error.code == RPCErrorCode.conflict && error.reason == "job_running" {
                    // The server's message names the other run; anything in error.data is added.
                    let detail = error.extra.map { "\($0.key) \($0.value.cellText)" }.joined(separator: ", ")
                    throw CommandFailure(
                        "another expiry run is going (\(error.message)\(detail.isEmpty ? "" : "; \(detail)")); try again when it has ended",
                        exitCode: ClientExit.busy)
                } catch let error as RPCError where error.retryable && attempt < Self.attempts && !StopSignal.isRequested {
                    let delay = Double(1 << attempt)
                    progress?.finish()
                    log("\(method): \(error.message) [\(error.code) \(error.reason)]; retrying in \(Int(delay)) s")
                    attempt += 1
                    // A signal ends the wait at once rather than after it.
                    try await StopSignal.sleep(for: .seconds(delay))
                    if StopSignal.isRequested { throw CommandFailure("stopped by signal while waiting to retry \(method)", exitCode: StopSignal.exitStatus) }
                }
            }
        }
    }
}
