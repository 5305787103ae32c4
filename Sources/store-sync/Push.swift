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

    private func push() async throws {
        let sources = SourceSet(source: sourceBase, format: format)
        let mappings = try mapping.map(CSVMapping.load)
        let initialFiles = try sources.files()
        if mappings == nil, initialFiles.contains(where: { $0.format == .csv }) {
            throw ValidationError("CSV input needs --mapping FILE (docs/store-sync.md)")
        }
        let rejectsFile = try RejectsFile(path: rejectsPath, namesFiles: sources.isDirectory)
        // A dry run checks every line, whatever a real run's checkpoint says, and writes none.
        var state = dryRun ? Checkpoint() : try checkpointPath.map(Checkpoint.load) ?? Checkpoint()
        if let checkpointPath {
            try Checkpoint.checkWritable(checkpointPath)
            // Rejections written for pushes the checkpoint does not hold come back with their resends.
            try rejectsFile.skipWritten(after: state.rejectsBytes ?? 0)
        }
        if state.lines > 0 { log("resuming after \(state.lines) lines (checkpoint \(checkpointPath!))") }
        StopSignal.install()
        let progress = Progress(startBytes: state.files.values.reduce(0) { $0 + $1.offset },
                                startEvents: state.applied + state.duplicate + state.rejected)
        var counts = LocalCounts()
        // The retry budget restarts whenever crmd acknowledged something since the last failure.
        var retryUntil = Date().addingTimeInterval(TimeInterval(giveUpAfter))
        var attempt = 0
        var linesAtLastFailure = state.lines
        while true {
            do {
                let pass = PushPass(options: self, sources: sources, mappings: mappings, rejects: rejectsFile, progress: progress)
                try await pass.run(&state, counts: &counts)
                break
            } catch let error where Self.isRetryable(error) {
                progress.finish(complete: false)
                if state.lines > linesAtLastFailure {
                    retryUntil = Date().addingTimeInterval(TimeInterval(giveUpAfter))
                    attempt = 0
                    linesAtLastFailure = state.lines
                }
                if source == "-" { throw SyncFailure("\(error); standard input cannot be re-read, so the agent stops (the checkpoint says how far crmd got)") }
                guard Date() < retryUntil else {
                    log("gave up after \(giveUpAfter) s of failures: \(error); the checkpoint says how far crmd got")
                    throw ExitCode(ClientExit.unavailable)
                }
                if StopSignal.isRequested { break }
                attempt += 1
                let delay = min(30.0, 0.2 * pow(2.0, Double(min(attempt, 10)))) * Double.random(in: 0.5...1.0)
                log("\(error); retrying in \(String(format: "%.1f", delay)) s from the checkpoint (\(state.lines) lines acknowledged)")
                try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            }
        }
        progress.finish(complete: !StopSignal.isRequested)
        let stopped = StopSignal.isRequested ? " (stopped by signal)" : ""
        let see = state.invalid + state.rejected > 0 ? " (see \(rejectsPath))" : ""
        if dryRun {
            print("checked\(stopped): lines=\(state.lines) events=\(counts.events) invalid=\(state.invalid)\(see)")
            if state.invalid > 0 { throw ExitCode(ClientExit.failed) }
        } else {
            print("done\(stopped): lines=\(state.lines) applied=\(state.applied) duplicate=\(state.duplicate) rejected=\(state.rejected) invalid=\(state.invalid)\(see)")
        }
    }

    static func isRetryable(_ error: any Error) -> Bool {
        if error is ClientError { return true }
        if let rpc = error as? RPCError { return rpc.retryable }
        return false
    }

    func log(_ text: String) { FileHandleWriter.writeToStandardError("store-sync: \(text)\n") }
}

/// One pass of `push` over the source, from the checkpoint: returns at the end of the data (or,
/// following, at a stop signal), throws on failures for the caller to retry from the checkpoint.
struct PushPass {
    let options: Push
    let sources: SourceSet
    let mappings: [CSVMapping]?
    let rejects: RejectsFile
    let progress: Progress

    /// A push sent and not yet answered, or (call nil) positions waiting behind pushes in flight.
    private struct Pending {
        let call: RPCClient.PendingCall?
        let places: [(file: String, line: Int)]
        let ids: [JSONValue]
        let positions: [String: Checkpoint.Position]
        /// Lines that could not be events, written to the rejects file when this is acknowledged.
        let unreadable: [(file: String, line: Int, id: JSONValue, error: JSONValue)]
    }

    func run(_ state: inout Checkpoint, counts: inout LocalCounts) async throws {
        let client: RPCClient? = options.dryRun ? nil : try await options.connection.connect(client: "store-sync/0.2")
        defer { if let client { Task { await client.close() } } }
        var window: [Pending] = []
        var batch: [JSONValue] = []
        var batchSize = 0
        var places: [(file: String, line: Int)] = []
        var reached: [String: Checkpoint.Position] = [:]
        var unreadable: [(file: String, line: Int, id: JSONValue, error: JSONValue)] = []

        func acknowledge(_ p: Pending, _ state: inout Checkpoint) async throws {
            var refused = p.unreadable
            state.invalid += p.unreadable.count
            if let call = p.call {
                let results = try await call.result(of: RPC.Sync.Push.self).results
                guard results.count == p.places.count else { throw SyncFailure("crmd answered \(results.count) results for \(p.places.count) events") }
                TestCrash.at("reply")
                for (i, r) in results.enumerated() {
                    switch r.status {
                    case "applied": state.applied += 1
                    case "duplicate":
                        state.duplicate += 1
                        // Rejected the first time: that answer may have been lost (the agent or crmd was killed
                        // before it was recorded), so it is reported now; the rejects file skips lines it has.
                        if r.firstStatus == "rejected" {
                            refused.append((p.places[i].file, p.places[i].line, p.ids[i], r.error?.json ?? .null))
                        }
                    default:
                        state.rejected += 1
                        refused.append((p.places[i].file, p.places[i].line, p.ids[i], r.error?.json ?? .null))
                    }
                }
            }
            // In the order of the source: files by name, lines by number.
            for entry in refused.sorted(by: { ($0.file, $0.line) < ($1.file, $1.line) }) {
                try rejects.write(file: entry.file, line: entry.line, id: entry.id, error: entry.error)
            }
            TestCrash.at("rejects")
            for (name, position) in p.positions { state.files[name] = position }
            state.rejectsBytes = rejects.size
            if let path = options.checkpointPath { try state.save(path) }
        }

        /// Sends the batch (or queues the positions reached), then waits while the window is full.
        func flush(_ state: inout Checkpoint) async throws {
            guard !batch.isEmpty || !reached.isEmpty || !unreadable.isEmpty else { return }
            var call: RPCClient.PendingCall? = nil
            if let client, !batch.isEmpty {
                call = try client.start(RPC.Sync.Push.self, .init(shop: options.shop, events: batch))
            }
            window.append(Pending(call: call, places: places, ids: batch.map { $0["id"] ?? .null }, positions: reached, unreadable: unreadable))
            unreadable.removeAll(keepingCapacity: true)
            batch.removeAll(keepingCapacity: true)
            places.removeAll(keepingCapacity: true)
            reached.removeAll(keepingCapacity: true)
            batchSize = 0
            // Positions with no push ahead of them are acknowledged at once; otherwise wait for room.
            while let first = window.first, first.call == nil || window.count >= options.inFlight {
                try await acknowledge(window.removeFirst(), &state)
            }
        }

        while true {
            let files = try sources.files()
            // Files gone from the directory leave the checkpoint (one made again under the same
            // name is another file, read from its start), so it does not grow with every rotation.
            let present = Set(files.map(\.name))
            state.files = state.files.filter { present.contains($0.key) }
            var doneBytes: Int64 = 0
            let totalBytes = files.allSatisfy({ $0.size != nil }) ? files.reduce(0) { $0 + $1.size! } : nil
            var readSomething = false
            for file in files {
                // Where this file was read to: not yet sent, in flight, or acknowledged.
                var known = reached[file.name] ?? window.reversed().lazy.compactMap { $0.positions[file.name] }.first
                    ?? state.files[file.name] ?? Checkpoint.Position(inode: file.inode)
                if let inode = file.inode, let recorded = known.inode, recorded != inode {
                    // Another file under the same name (replaced by rename, or deleted and made
                    // again): read it from the start; events already sent come back as duplicates.
                    options.log("\(file.path) was replaced; reading it from the start")
                    known = Checkpoint.Position(inode: inode)
                }
                if let size = file.size {
                    if size < known.offset {
                        throw SyncFailure("\(file.path) is now shorter (\(size) bytes) than what was read (\(known.offset)); was it replaced? Move the checkpoint away to start over")
                    }
                    if size == known.offset {
                        doneBytes += size
                        continue
                    }
                }
                let decoder = try makeDecoder(file, at: known)
                while let record = try decoder.next(final: !options.follow) {
                    readSomething = true
                    switch record.content {
                    case .invalid(let reason, let message):
                        unreadable.append((file.name, record.firstLine, .null, ["message": .string(message), "data": ["reason": .string(reason)]]))
                    case .event(let event):
                        let value = JSONValue.object(event)
                        let bytes = record.sizeBound ?? JSONSerializer.serialize(value).utf8.count + 1
                        if bytes > options.batchBytes {
                            unreadable.append((file.name, record.firstLine, event["id"] ?? .null,
                                               ["message": .string("event of \(bytes) bytes is larger than --batch-bytes"), "data": ["reason": "event_too_large"]]))
                        } else {
                            if batchSize + bytes > options.batchBytes { try await flush(&state) }
                            batch.append(value)
                            counts.events += 1
                            batchSize += bytes
                            places.append((file.name, record.firstLine))
                        }
                    }
                    reached[file.name] = Checkpoint.Position(line: record.lastLine, offset: record.endOffset, inode: file.inode)
                    if batch.count >= options.batchSize { try await flush(&state) }
                    progress.update(done: doneBytes + record.endOffset, total: totalBytes, events: options.dryRun ? counts.events : state.applied + state.duplicate + state.rejected, rejected: state.rejected)
                    if StopSignal.isRequested { break }
                }
                let end = decoder.position
                if end.offset > (reached[file.name] ?? known).offset {
                    reached[file.name] = Checkpoint.Position(line: end.line, offset: end.offset, inode: file.inode)
                }
                doneBytes += end.offset
                if StopSignal.isRequested { break }
            }
            try await flush(&state)
            if !options.follow || StopSignal.isRequested { break }
            if !readSomething {
                // Idle: let every answer in, so the checkpoint is current while nothing happens.
                while !window.isEmpty { try await acknowledge(window.removeFirst(), &state) }
                progress.update(done: doneBytes, total: totalBytes, events: options.dryRun ? counts.events : state.applied + state.duplicate + state.rejected, rejected: state.rejected)
                var waited = 0
                while waited < options.pollInterval, !StopSignal.isRequested {
                    try await Task.sleep(nanoseconds: 10_000_000)
                    waited += 10
                }
            }
        }
        while !window.isEmpty { try await acknowledge(window.removeFirst(), &state) }
    }

    private func makeDecoder(_ file: SourceFile, at position: Checkpoint.Position) throws -> any EventDecoder {
        switch file.format {
        case .jsonl:
            if file.path == "-" {
                let lines = try LineReader(path: "-", maxLineBytes: Push.maxLineBytes)
                try lines.skip(toLine: position.line)
                return JSONLinesDecoder(lines: lines, channel: options.channel)
            }
            return JSONLinesDecoder(lines: try LineReader(path: file.path, offset: position.offset, line: position.line, maxLineBytes: Push.maxLineBytes),
                                    channel: options.channel)
        case .csv:
            guard let mappings else { throw SyncFailure("\(file.path) is CSV: give --mapping FILE") }
            return try CSVDecoder(path: file.path, offset: position.offset, line: position.line, mappings: mappings,
                                  channel: options.channel, maxLineBytes: Push.maxLineBytes)
        }
    }
}

/// What a dry run counts: the events it read.
struct LocalCounts {
    var events = 0
}

/// The rejects file: one JSON line per rejected input line, appended and flushed as they come.
/// It is made at the first rejection, so a clean run leaves no empty file behind; whether it can
/// be written is checked at the start, before anything is sent. Each input line is written once:
/// lines written after the checkpoint's record (for pushes whose acknowledgement was not recorded,
/// so they are sent and answered again) are skipped when they come back.
final class RejectsFile {
    private let path: String
    private var handle: FileHandle?
    private let namesFiles: Bool
    /// Input lines (file, line, id) already in the file beyond the checkpoint's record.
    private var written: Set<String> = []

    init(path: String, namesFiles: Bool) throws {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        guard access(FileManager.default.fileExists(atPath: path) ? path : (directory.isEmpty ? "/" : directory), W_OK) == 0 else {
            throw CommandFailure.local("cannot write the rejects file \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.namesFiles = namesFiles
    }

    deinit { try? handle?.close() }

    /// The file's size now (0 when it does not exist yet).
    var size: Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// Notes the lines written beyond `offset` (the checkpoint's record of the file's size), so
    /// they are not written again. A file shorter than that was moved or cut by hand: nothing to skip.
    func skipWritten(after offset: Int64) throws {
        guard size > offset, let file = FileHandle(forReadingAtPath: path) else { return }
        defer { try? file.close() }
        try file.seek(toOffset: UInt64(offset))
        let tail = try file.readToEnd() ?? Data()
        for line in tail.split(separator: UInt8(ascii: "\n")) {
            guard let entry = try? JSONParser.parse(Array(line)) else { continue }
            written.insert(Self.key(file: entry["file"]?.stringValue ?? "", line: Int(entry["line"]?.int64Value ?? 0), id: entry["id"] ?? .null))
        }
    }

    static func key(file: String, line: Int, id: JSONValue) -> String {
        "\(file)\n\(line)\n\(JSONSerializer.serialize(id))"
    }

    func write(file: String, line: Int, id: JSONValue, error: JSONValue) throws {
        if !written.isEmpty, written.remove(Self.key(file: namesFiles ? file : "", line: line, id: id)) != nil { return }
        var entry: JSONObject = [:]
        if namesFiles { entry["file"] = .string(file) }
        entry["line"] = .int(line)
        entry["id"] = id
        entry["error"] = error
        do {
            if handle == nil {
                if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
                guard let opened = FileHandle(forWritingAtPath: path) else { throw CommandFailure.local("cannot write the rejects file \(path)") }
                try opened.seekToEnd()
                handle = opened
            }
            try handle!.write(contentsOf: Data((JSONSerializer.serialize(.object(entry)) + "\n").utf8))
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure.local("cannot write the rejects file \(path): \(error)")
        }
    }
}

extension CommandFailure {
    /// A local file could not be written (the checkpoint, the rejects file): the agent exits 74
    /// (`ClientExit.ioError`), which says the fault is on this machine, not in what crmd answered.
    static func local(_ message: String) -> CommandFailure {
        CommandFailure(message, exitCode: ClientExit.ioError)
    }
}

/// A test-only fault point: with `STORE_SYNC_TEST_CRASH=reply` the agent kills itself (SIGKILL)
/// right after crmd answered its first push, before recording anything; with `=rejects`, after
/// writing that push's rejections and before its checkpoint. Tests use it to be killed at exactly
/// the moment a real `kill -9` could only hit by chance.
enum TestCrash {
    static let point = ProcessInfo.processInfo.environment["STORE_SYNC_TEST_CRASH"]

    static func at(_ name: String) {
        if point == name { kill(getpid(), SIGKILL) }
    }
}
