import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// `store-sync push`: streams a shop's export (JSON lines in the event shape, or CSV through a
/// column mapping; a file, a directory of files, or standard input) to crmd in batches, several in
/// flight, with a durable checkpoint and retries, so it can be killed and restarted at any point.
struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Push a shop channel's events (JSON lines or CSV; a file, a directory or -) to crmd.",
        discussion: """
            JSON lines: one event a line ({"id", "type", "channel", "occurred_at", …}). CSV: a header row and a
            --mapping file saying which column goes where (docs/store-sync.md). A missing channel is taken from
            --channel. After each acknowledged batch the position reached in every file is written to the
            checkpoint, so a restart resends at most what crmd had not acknowledged (harmless: ingest is
            idempotent). Lines crmd rejects, and lines that cannot be read, go to the rejects file with their line
            number. With --follow the agent keeps reading what is appended (and, for a directory, new files) until
            SIGINT or SIGTERM, on which it finishes what is in flight, writes its checkpoint and exits 0.
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The shop whose events these are.") var shop: String
    @Option(help: "mobile, web or group_buy: set on events that carry no channel.") var channel: String?
    @Option(help: "A file, a directory of export files (taken in name order), or - for standard input.") var source: String
    @Option(help: "jsonl or csv (default: by file extension, .csv/.tsv are CSV).") var format: SourceFormat?
    @Option(help: "The JSON column mapping for CSV files (docs/store-sync.md).") var mapping: String?
    @Option(help: "Checkpoint file (default SOURCE.checkpoint; none for standard input unless given).") var checkpoint: String?
    @Option(help: "Rejected lines go here, as JSON lines (default SOURCE.rejects, or store-sync.rejects).") var rejects: String?
    @Option(name: .customLong("batch-size"), help: "Events per push (1-1000).") var batchSize = 500
    @Option(name: .customLong("batch-bytes"), help: "Most bytes of events in one push; keep it under crmd's --max-line-bytes.") var batchBytes = 900_000
    @Option(name: .customLong("in-flight"), help: "Pushes sent ahead of their answers (1-32).") var inFlight = 4
    @Option(name: .customLong("give-up-after"), help: "Seconds of failed retries before giving up.") var giveUpAfter = 600
    @Option(name: .customLong("poll-interval"), help: "With --follow, milliseconds between looks for new data.") var pollInterval = 500
    @Flag(help: "Keep reading appended lines and new files until SIGINT/SIGTERM.") var follow = false
    @Flag(name: .customLong("dry-run"), help: "Check every line locally; send nothing.") var dryRun = false

    /// A source line is at most this long; a longer one is rejected without stopping the stream.
    static let maxLineBytes = 1 << 20

    func validate() throws {
        guard (1...1_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1...1000") }
        guard (1_024...(64 << 20)).contains(batchBytes) else { throw ValidationError("--batch-bytes must be 1024...67108864") }
        guard (1...32).contains(inFlight) else { throw ValidationError("--in-flight must be 1...32") }
        guard (10...60_000).contains(pollInterval) else { throw ValidationError("--poll-interval must be 10...60000 ms") }
        if let channel, !knownChannels.contains(channel) { throw ValidationError("--channel must be mobile, web or group_buy") }
        if follow, source == "-" { throw ValidationError("--follow needs a file or a directory, not standard input") }
    }

    private var sourceBase: String { source.hasSuffix("/") && source.count > 1 ? String(source.dropLast()) : source }
    var checkpointPath: String? { dryRun ? nil : checkpoint ?? (source == "-" ? nil : sourceBase + ".checkpoint") }
    var rejectsPath: String { rejects ?? (source == "-" ? "store-sync.rejects" : sourceBase + ".rejects") }

    func run() async throws {
        try await runClientCommand("store-sync") { try await push() }
    }

    var limits: BatchLimits {
        BatchLimits(events: batchSize, bytes: batchBytes, follow: follow, pollMilliseconds: pollInterval, dryRun: dryRun)
    }

    private func push() async throws {
        let sources = SourceSet(source: sourceBase, format: format)
        let mappings = try mapping.map(CSVMapping.load)
        let initialFiles = try sources.files()
        if mappings == nil, initialFiles.contains(where: { $0.format == .csv }) {
            throw ValidationError("CSV input needs --mapping FILE (docs/store-sync.md)")
        }
        let rejectsFile = try RejectsFile(path: rejectsPath, namesFiles: sources.isDirectory)
        let state = try resumePoint(rejects: rejectsFile)
        let progress = Progress(
            startBytes: state.files.values.reduce(0) { $0 + $1.offset },
            startEvents: state.applied + state.duplicate + state.rejected, startRejected: state.rejected)
        let acknowledger = Acknowledger(
            checkpoint: state, rejects: rejectsFile, checkpointPath: checkpointPath,
            progress: progress, reportsEvents: !dryRun)
        let pass = PushPass(
            options: self, sources: sources, decoders: SourceDecoders(mappings: mappings, channel: channel),
            progress: progress, acknowledger: acknowledger)
        let eventsRead = try await StopSignal.handling { try await passesUntilDone(pass) }
        progress.finish(complete: !StopSignal.isRequested)
        try report(await acknowledger.checkpoint, eventsRead: eventsRead)
    }

    /// The checkpoint to start from, once it is known to be writable. A dry run checks every
    /// line, whatever a real run's checkpoint says, and writes none.
    private func resumePoint(rejects: RejectsFile) throws -> Checkpoint {
        let state = dryRun ? Checkpoint() : try checkpointPath.map(Checkpoint.load) ?? Checkpoint()
        if let checkpointPath {
            try Checkpoint.checkWritable(checkpointPath)
            // Rejections written for pushes the checkpoint does not hold come back with their resends.
            try rejects.skipWritten(after: state.rejectsBytes ?? 0)
        }
        if state.lines > 0 { Self.log("resuming after \(state.lines) lines (checkpoint \(checkpointPath!))") }
        return state
    }

    /// Runs passes, retrying failures worth retrying from the checkpoint, until one reaches the
    /// end of the data (or a stop signal); answers the events that pass read.
    private func passesUntilDone(_ pass: PushPass) async throws -> Int {
        var budget = RetryBudget(seconds: giveUpAfter, acknowledgedLines: await pass.acknowledger.checkpoint.lines)
        while true {
            do {
                return try await pass.run()
            } catch let error where Self.isRetryable(error) {
                pass.progress.finish(complete: false)
                let lines = await pass.acknowledger.checkpoint.lines
                budget.failed(acknowledgedLines: lines)
                if source == "-" { throw SyncFailure("\(error); standard input cannot be re-read, so the agent stops (the checkpoint says how far crmd got)") }
                guard !budget.isSpent else {
                    Self.log("gave up after \(giveUpAfter) s of failures: \(error); the checkpoint says how far crmd got")
                    throw ExitCode(ClientExit.unavailable)
                }
                if StopSignal.isRequested { return 0 }
                let delay = budget.nextDelay()
                Self.log("\(error); retrying in \(String(format: "%.1f", delay)) s from the checkpoint (\(lines) lines acknowledged)")
                try await StopSignal.sleep(for: .seconds(delay))
            }
        }
    }

    /// The closing line on standard output; a dry run that found unreadable lines exits 1.
    private func report(_ state: Checkpoint, eventsRead: Int) throws {
        let stopped = StopSignal.isRequested ? " (stopped by signal)" : ""
        let see = state.invalid + state.rejected > 0 ? " (see \(rejectsPath))" : ""
        if dryRun {
            print("checked\(stopped): lines=\(state.lines) events=\(eventsRead) invalid=\(state.invalid)\(see)")
            if state.invalid > 0 { throw ExitCode(ClientExit.failed) }
        } else {
            print(
                "done\(stopped): lines=\(state.lines) applied=\(state.applied) duplicate=\(state.duplicate) rejected=\(state.rejected) invalid=\(state.invalid)\(see)"
            )
        }
    }

    static func isRetryable(_ error: any Error) -> Bool {
        if error is ClientError { return true }
        if let rpc = error as? RPCError { return rpc.retryable }
        return false
    }

    static func log(_ text: String) { FileHandleWriter.writeToStandardError("store-sync: \(text)\n") }
}
