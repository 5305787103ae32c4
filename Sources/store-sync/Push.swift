import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// `store-sync push`: streams a shop's export (JSON lines in the event shape) to crmd in batches,
/// several in flight, with a durable checkpoint and retries, so it can be killed and restarted.
struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Push a shop channel's events from JSON lines (a file or -) to crmd.",
        discussion: """
            Each line is one event ({"id", "type", "channel", "occurred_at", …}); a missing channel is taken from
            --channel. After each acknowledged batch the line reached is written to the checkpoint file, so a
            restart resends at most what crmd had not acknowledged (harmless: ingest is idempotent). Lines crmd
            rejects, and lines that are not JSON, go to the rejects file with their line number.
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The shop whose events these are.") var shop: String
    @Option(help: "mobile, web or group_buy: set on events that carry no channel.") var channel: String?
    @Option(help: "JSON lines file, or - for standard input.") var source: String
    @Option(help: "Checkpoint file (default SOURCE.checkpoint; none for standard input unless given).") var checkpoint: String?
    @Option(help: "Rejected lines go here, as JSON lines (default SOURCE.rejects, or store-sync.rejects).") var rejects: String?
    @Option(name: .customLong("batch-size"), help: "Events per push (1-1000).") var batchSize = 500
    @Option(name: .customLong("in-flight"), help: "Pushes sent ahead of their answers (1-32).") var inFlight = 4
    @Option(name: .customLong("give-up-after"), help: "Seconds of failed retries before giving up.") var giveUpAfter = 600
    @Flag(name: .customLong("dry-run"), help: "Check every line locally; send nothing.") var dryRun = false

    func validate() throws {
        guard (1...1_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1...1000") }
        guard (1...32).contains(inFlight) else { throw ValidationError("--in-flight must be 1...32") }
        if let channel, !["mobile", "web", "group_buy"].contains(channel) { throw ValidationError("--channel must be mobile, web or group_buy") }
    }

    var checkpointPath: String? { dryRun ? nil : checkpoint ?? (source == "-" ? nil : source + ".checkpoint") }
    var rejectsPath: String { rejects ?? (source == "-" ? "store-sync.rejects" : source + ".rejects") }

    func run() async throws {
        let rejectsFile = try RejectsFile(path: rejectsPath)
        // A dry run checks every line, whatever a real run's checkpoint says, and writes none.
        var state = dryRun ? Checkpoint() : try checkpointPath.map(Checkpoint.load) ?? Checkpoint()
        if state.line > 0 { log("resuming after line \(state.line) (checkpoint \(checkpointPath!))") }
        var invalid = 0
        // The retry budget restarts whenever crmd acknowledged something since the last failure.
        var retryUntil = Date().addingTimeInterval(TimeInterval(giveUpAfter))
        var attempt = 0
        var lineAtLastFailure = state.line
        while true {
            do {
                try await pushAll(from: &state, invalid: &invalid, rejects: rejectsFile)
                break
            } catch let error where Self.isRetryable(error) {
                if state.line > lineAtLastFailure {
                    retryUntil = Date().addingTimeInterval(TimeInterval(giveUpAfter))
                    attempt = 0
                    lineAtLastFailure = state.line
                }
                if source == "-" { throw SyncFailure("\(error); standard input cannot be re-read, so the agent stops (the checkpoint says how far crmd got)") }
                guard Date() < retryUntil else { throw SyncFailure("gave up after \(giveUpAfter) s of failures: \(error)") }
                attempt += 1
                let delay = min(30.0, 0.2 * pow(2.0, Double(min(attempt, 10)))) * Double.random(in: 0.5...1.0)
                log("\(error); retrying in \(String(format: "%.1f", delay)) s from line \(state.line + 1)")
                try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                continue
            }
        }
        print("\(dryRun ? "checked" : "done"): lines=\(state.line) applied=\(state.applied) duplicate=\(state.duplicate) rejected=\(state.rejected) invalid=\(invalid)\(invalid + state.rejected > 0 ? " (see \(rejectsPath))" : "")")
        if dryRun, invalid > 0 { throw ExitCode(ClientExit.failed) }
    }

    static func isRetryable(_ error: any Error) -> Bool {
        if error is ClientError { return true }
        if let rpc = error as? RPCError { return rpc.retryable }
        return false
    }

    private func log(_ text: String) { FileHandleWriter.writeToStandardError("store-sync: \(text)\n") }

    /// One pass over the source from the checkpoint: returns at the end, throws on failures.
    private func pushAll(from state: inout Checkpoint, invalid: inout Int, rejects: RejectsFile) async throws {
        let reader = try LineReader(path: source)
        let client: RPCClient? = dryRun ? nil : try await connection.connect(client: "store-sync/0.1")
        defer { if let client { Task { await client.close() } } }
        struct Pending {
            let call: RPCClient.PendingCall
            let lines: [Int]
            let ids: [JSONValue]
            let lastLine: Int
        }
        var window: [Pending] = []
        var batch: [JSONValue] = []
        var batchLines: [Int] = []
        var lastReport = Date()

        func acknowledge(_ p: Pending, _ state: inout Checkpoint) async throws {
            let results = try await p.call.result()["results"]?.arrayValue ?? []
            guard results.count == p.lines.count else { throw SyncFailure("crmd answered \(results.count) results for \(p.lines.count) events") }
            for (i, r) in results.enumerated() {
                switch r["status"]?.stringValue {
                case "applied": state.applied += 1
                case "duplicate": state.duplicate += 1
                default:
                    state.rejected += 1
                    try rejects.write(line: p.lines[i], id: p.ids[i], error: r["error"] ?? .null)
                }
            }
            state.line = p.lastLine
            if let path = checkpointPath { try state.save(path) }
        }

        func flush(_ state: inout Checkpoint, through line: Int) async throws {
            guard !batch.isEmpty else {
                if window.isEmpty, line > state.line, !dryRun {
                    state.line = line
                    if let path = checkpointPath { try state.save(path) }
                }
                return
            }
            if let client {
                window.append(Pending(call: client.start("sync.push", ["shop": .string(shop), "events": .array(batch)]),
                                      lines: batchLines, ids: batch.map { $0["id"] ?? .null }, lastLine: line))
            } else {
                state.line = line
            }
            batch.removeAll(keepingCapacity: true)
            batchLines.removeAll(keepingCapacity: true)
            while window.count >= inFlight { try await acknowledge(window.removeFirst(), &state) }
        }

        while let bytes = reader.next() {
            let n = reader.lineNumber
            if n <= state.line { continue }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard case .object(var event)? = try? JSONParser.parse(bytes) else {
                invalid += 1
                try rejects.write(line: n, id: .null, error: ["message": "not a JSON object", "data": ["reason": "parse_error"]])
                continue
            }
            if event["channel"] == nil, let channel { event["channel"] = .string(channel) }
            batch.append(.object(event))
            batchLines.append(n)
            if batch.count >= batchSize { try await flush(&state, through: n) }
            if Date().timeIntervalSince(lastReport) >= 5 {
                lastReport = Date()
                log("line \(n): applied \(state.applied), duplicate \(state.duplicate), rejected \(state.rejected), invalid \(invalid)")
            }
        }
        try await flush(&state, through: reader.lineNumber)
        while !window.isEmpty { try await acknowledge(window.removeFirst(), &state) }
    }
}

/// The rejects file: one JSON line per rejected input line, appended and flushed as they come.
final class RejectsFile: @unchecked Sendable {
    private let handle: FileHandle

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw SyncFailure("cannot write \(path)") }
        try handle.seekToEnd()
        self.handle = handle
    }

    func write(line: Int, id: JSONValue, error: JSONValue) throws {
        try handle.write(contentsOf: Data((JSONSerializer.serialize(["line": .int(line), "id": id, "error": error]) + "\n").utf8))
    }
}
