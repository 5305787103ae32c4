import CRMCommandLine
import CRMProtocol

/// Where the batcher's batches go: in a pass, through the in-flight window to crmd and on to
/// the acknowledger.
protocol BatchSink {
    /// Sends a batch, first waiting while the in-flight window is full.
    func send(_ batch: Batch) async throws
    /// Returns once everything sent was acknowledged.
    func settle() async throws
    /// The files the source has now; the others leave the checkpoint.
    func filesPresent(_ names: Set<String>) async
}

/// What `--batch-size`, `--batch-bytes`, `--follow`, `--poll-interval` and `--dry-run` ask of the batcher.
struct BatchLimits {
    let events: Int
    let bytes: Int
    let follow: Bool
    let pollMilliseconds: Int
    let dryRun: Bool
}

/// The batcher: reads the source's records from where the checkpoint stands (and, following,
/// what is appended and new files) into batches within the limits, and hands each to the sink.
/// It returns at the end of the data or, following, at a stop signal.
struct Batcher {
    /// What one look at the source's files found.
    private struct Look {
        let totalBytes: Int64?
        var doneBytes: Int64 = 0
        var readSomething = false
    }

    let limits: BatchLimits
    let sources: SourceSet
    let decoders: SourceDecoders
    let progress: Progress
    /// Where each file was read to, sent or not; at first, the checkpoint's positions.
    private var readTo: [String: Checkpoint.Position]
    private var batch = Batch()
    /// Events read (what a dry run counts).
    private(set) var eventsRead = 0

    init(limits: BatchLimits, sources: SourceSet, decoders: SourceDecoders, progress: Progress, from positions: [String: Checkpoint.Position]) {
        self.limits = limits
        self.sources = sources
        self.decoders = decoders
        self.progress = progress
        self.readTo = positions
    }

    /// A dry run's progress shows the events read; a real run's, those acknowledged.
    private var eventsShown: Int? { limits.dryRun ? eventsRead : nil }

    mutating func run(into sink: some BatchSink) async throws {
        while true {
            let look = try await lookAtFiles(into: sink)
            try await flush(into: sink)
            if !limits.follow || StopSignal.isRequested { return }
            if !look.readSomething {
                // Idle: let every answer in, so the checkpoint is current while nothing happens.
                try await sink.settle()
                progress.read(done: look.doneBytes, total: look.totalBytes, events: eventsShown)
                try await StopSignal.sleep(for: .milliseconds(limits.pollMilliseconds))
            }
        }
    }

    /// Reads what is new in every file of the source, in order.
    private mutating func lookAtFiles(into sink: some BatchSink) async throws -> Look {
        let files = try sources.files()
        // Files gone from the directory are forgotten (one made again under the same name is
        // another file, read from its start), so the checkpoint does not grow with every rotation.
        let present = Set(files.map(\.name))
        readTo = readTo.filter { present.contains($0.key) }
        await sink.filesPresent(present)
        var look = Look(totalBytes: files.allSatisfy { $0.size != nil } ? files.reduce(0) { $0 + $1.size! } : nil)
        for file in files {
            guard let start = try startPosition(of: file) else {
                look.doneBytes += file.size ?? 0
                continue
            }
            try await read(file, from: start, into: sink, look: &look)
            if StopSignal.isRequested { break }
        }
        return look
    }

    /// Where to read `file` from, or nil when it holds nothing beyond what was read.
    private func startPosition(of file: SourceFile) throws -> Checkpoint.Position? {
        var known = readTo[file.name] ?? Checkpoint.Position(inode: file.inode)
        if let inode = file.inode, let recorded = known.inode, recorded != inode {
            // Another file under the same name (replaced by rename, or deleted and made
            // again): read it from the start; events already sent come back as duplicates.
            Push.log("\(file.path) was replaced; reading it from the start")
            known = Checkpoint.Position(inode: inode)
        }
        guard let size = file.size else { return known }
        if size < known.offset {
            throw SyncFailure(
                "\(file.path) is now shorter (\(size) bytes) than what was read (\(known.offset)); was it replaced? Move the checkpoint away to start over")
        }
        return size == known.offset ? nil : known
    }

    private mutating func read(_ file: SourceFile, from start: Checkpoint.Position, into sink: some BatchSink, look: inout Look) async throws {
        let decoder = try decoders.decoder(for: file, at: start)
        var last = start
        while let record = try decoder.next(final: !limits.follow) {
            look.readSomething = true
            try await take(record, of: file, into: sink)
            last = Checkpoint.Position(line: record.lastLine, offset: record.endOffset, inode: file.inode)
            reached(last, in: file)
            if batch.events.count >= limits.events { try await flush(into: sink) }
            progress.read(done: look.doneBytes + record.endOffset, total: look.totalBytes, events: eventsShown)
            if StopSignal.isRequested { break }
        }
        // Blank lines after the last record are read too.
        let end = decoder.position
        if end.offset > last.offset { reached(Checkpoint.Position(line: end.line, offset: end.offset, inode: file.inode), in: file) }
        look.doneBytes += end.offset
    }

    /// Adds a record to the batch: an event (sending the batch first if it would grow past
    /// `--batch-bytes`), or an unreadable line.
    private mutating func take(_ record: SourceRecord, of file: SourceFile, into sink: some BatchSink) async throws {
        let place = SourcePlace(file: file.name, line: record.firstLine)
        switch record.content {
        case .invalid(let reason, let message):
            batch.unreadable.append(Refusal(place: place, id: .null, error: ["message": .string(message), "data": ["reason": .string(reason)]]))
        case .event(let event):
            let value = JSONValue.object(event)
            let bytes = record.sizeBound ?? JSONSerializer.serialize(value).utf8.count + 1
            guard bytes <= limits.bytes else {
                let error: JSONValue = ["message": .string("event of \(bytes) bytes is larger than --batch-bytes"), "data": ["reason": "event_too_large"]]
                batch.unreadable.append(Refusal(place: place, id: event["id"] ?? .null, error: error))
                return
            }
            if batch.bytes + bytes > limits.bytes { try await flush(into: sink) }
            batch.append(value, bytes: bytes, at: place)
            eventsRead += 1
        }
    }

    private mutating func reached(_ position: Checkpoint.Position, in file: SourceFile) {
        readTo[file.name] = position
        batch.positions[file.name] = position
    }

    /// Sends what the batch holds (events, positions or unreadable lines), if anything.
    private mutating func flush(into sink: some BatchSink) async throws {
        guard !batch.isEmpty else { return }
        let full = batch
        batch = Batch()
        try await sink.send(full)
    }
}
