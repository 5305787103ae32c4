import CRMProtocol

/// One thing read from a source file: an event to push, or input that cannot be one, with the
/// lines it came from and the file offset just after it (where a restart resumes).
struct SourceRecord {
    enum Content {
        case event(JSONObject)
        case invalid(reason: String, message: String)
    }

    var content: Content
    var firstLine: Int
    var lastLine: Int
    var endOffset: Int64
    /// At least the bytes the event takes in a push, when known without serialising it.
    var sizeBound: Int? = nil
}

/// Reads records from one source file, in one format.
protocol EventDecoder: AnyObject {
    /// The next record, or nil when no whole record is available now (with `final`, at the end).
    func next(final: Bool) throws -> SourceRecord?
    /// The position after everything read so far (blank lines included).
    var position: (line: Int, offset: Int64) { get }
}

/// JSON lines in the event shape: one event object a line; blank lines are skipped.
final class JSONLinesDecoder: EventDecoder {
    private let lines: LineReader
    private let channel: String?

    init(lines: LineReader, channel: String?) {
        self.lines = lines
        self.channel = channel
    }

    var position: (line: Int, offset: Int64) { (lines.lineNumber, lines.offset) }

    func next(final: Bool) throws -> SourceRecord? {
        while let line = try lines.next(final: final) {
            let n = lines.lineNumber
            switch line {
            case .tooLong(let bytes):
                return SourceRecord(
                    content: .invalid(reason: "line_too_long", message: "line of \(bytes) bytes is longer than \(lines.maxLineBytes)"),
                    firstLine: n, lastLine: n, endOffset: lines.offset)
            case .text(let bytes):
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                guard case .object(var event)? = try? JSONParser.parse(bytes) else {
                    return SourceRecord(
                        content: .invalid(reason: "parse_error", message: "not a JSON object"), firstLine: n, lastLine: n, endOffset: lines.offset)
                }
                // Re-serialised compactly, an event is no longer than its line (plus the channel we add
                // and the rare U+2028/2029 that grow when escaped: the slack covers a few).
                var bound = bytes.count + 64
                if event["channel"] == nil, let channel {
                    event["channel"] = .string(channel)
                    bound += channel.utf8.count + 16
                }
                return SourceRecord(content: .event(event), firstLine: n, lastLine: n, endOffset: lines.offset, sizeBound: bound)
            }
        }
        return nil
    }
}

/// CSV with a header row, turned into events by a mapping. Consecutive rows that make the same
/// event id are one event whose `[]` fields (e.g. `order.items[]`) gather one item per row.
final class CSVDecoder: EventDecoder {
    private let records: CSVRecordReader
    private let converter: CSVRowConverter
    private let channel: String?
    private let groups: Bool
    private var pending: (id: String, record: SourceRecord, event: JSONObject)?

    /// Opens `path` at the checkpoint `offset` (line `line`); the header is read from the start.
    init(path: String, offset: Int64, line: Int, mappings: [CSVMapping], channel: String?, maxLineBytes: Int) throws {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let mapping = mappings.first(where: { $0.fits(name) }) else {
            throw SyncFailure("\(path): no mapping matches this file name (patterns: \(mappings.compactMap(\.match).joined(separator: ", ")))")
        }
        let headerReader = CSVRecordReader(lines: try LineReader(path: path, maxLineBytes: maxLineBytes), delimiter: mapping.delimiter)
        guard let header = try headerReader.next(final: true), header.problem == nil else {
            throw SyncFailure("\(path): no header row")
        }
        var names = header.fields
        if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }
        converter = try mapping.bind(header: names, file: path)
        let resumeAt = offset >= header.endOffset ? (offset, line) : (header.endOffset, header.lastLine)
        let lines: LineReader
        if path == "-" {
            lines = headerReader.lines
            try lines.skip(toLine: line)
        } else {
            lines = try LineReader(path: path, offset: resumeAt.0, line: resumeAt.1, maxLineBytes: maxLineBytes)
        }
        records = CSVRecordReader(lines: lines, delimiter: mapping.delimiter)
        self.channel = channel
        groups = mapping.fields.contains { $0.path.contains("[]") }
    }

    var position: (line: Int, offset: Int64) {
        if let pending { return (pending.record.lastLine, pending.record.endOffset) }
        return (records.lines.lineNumber, records.lines.offset)
    }

    func next(final: Bool) throws -> SourceRecord? {
        if let record = queued {
            queued = nil
            return record
        }
        while let row = try records.next(final: final) {
            if let problem = row.problem {
                return emit(
                    then: SourceRecord(
                        content: .invalid(reason: "bad_csv", message: problem), firstLine: row.firstLine, lastLine: row.lastLine, endOffset: row.endOffset))
            }
            switch converter.event(from: row.fields, channel: channel) {
            case .failure(let failure):
                return emit(
                    then: SourceRecord(
                        content: .invalid(reason: "bad_row", message: failure.description), firstLine: row.firstLine, lastLine: row.lastLine,
                        endOffset: row.endOffset))
            case .success(let made):
                let record = SourceRecord(content: .event(made.event), firstLine: row.firstLine, lastLine: row.lastLine, endOffset: row.endOffset)
                if groups, var group = pending, group.id == made.id {
                    CSVRowConverter.appendItems(of: made.event, to: &group.event)
                    group.record.lastLine = row.lastLine
                    group.record.endOffset = row.endOffset
                    pending = group
                    continue
                }
                let finished = pending
                pending = (made.id, record, made.event)
                if let finished { return Self.record(finished) }
            }
        }
        // Nothing more for now: a group is complete at the end of the data (see docs/store-sync.md).
        if let finished = pending {
            pending = nil
            return Self.record(finished)
        }
        return nil
    }

    /// Returns the pending group first (the problem row waits for the next call), or the record.
    private var queued: SourceRecord?
    private func emit(then record: SourceRecord) -> SourceRecord {
        if let finished = pending {
            pending = nil
            queued = record
            return Self.record(finished)
        }
        return record
    }

    private static func record(_ group: (id: String, record: SourceRecord, event: JSONObject)) -> SourceRecord {
        var r = group.record
        r.content = .event(group.event)
        return r
    }
}
