/// Splits CSV (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes) into records,
/// on top of a `LineReader`, remembering on which lines each record began and ended.
///
/// A record still open at the end of the data (an unclosed quote) is kept and finished when more
/// data arrives, unless the data is final, when it is an error.
final class CSVRecordReader {
    /// One record: its fields, or why it could not be read.
    struct Record {
        var fields: [String]
        var firstLine: Int
        var lastLine: Int
        var endOffset: Int64
        var problem: String?
    }

    static let maxRecordBytes = 1 << 20
    static let maxFields = 1_000

    let lines: LineReader
    let delimiter: UInt8
    private var fields: [String] = []
    private var field: [UInt8] = []
    private var inQuotes = false
    private var firstLine = 0
    private var recordBytes = 0

    init(lines: LineReader, delimiter: UInt8) {
        self.lines = lines
        self.delimiter = delimiter
    }

    /// The next whole record, or nil when none is available now.
    func next(final: Bool) throws -> Record? {
        while true {
            guard let line = try lines.next(final: final) else {
                if final, !fields.isEmpty || !field.isEmpty || inQuotes {
                    let record = Record(
                        fields: [], firstLine: firstLine, lastLine: lines.lineNumber, endOffset: lines.offset,
                        problem: "a quoted field is never closed")
                    reset()
                    return record
                }
                return nil
            }
            let continuing = inQuotes
            if !continuing { firstLine = lines.lineNumber }
            guard case .text(let bytes) = line else {
                reset()
                return Record(
                    fields: [], firstLine: firstLine, lastLine: lines.lineNumber, endOffset: lines.offset,
                    problem: "line longer than \(lines.maxLineBytes) bytes")
            }
            if !continuing, bytes.isEmpty { continue }  // blank lines between records
            if continuing { field.append(0x0A) }
            recordBytes += bytes.count + 1
            guard recordBytes <= Self.maxRecordBytes else {
                reset()
                return Record(
                    fields: [], firstLine: firstLine, lastLine: lines.lineNumber, endOffset: lines.offset,
                    problem: "record longer than \(Self.maxRecordBytes) bytes")
            }
            scan(bytes)
            if inQuotes { continue }
            fields.append(String(decoding: field, as: UTF8.self))
            defer { reset() }
            guard fields.count <= Self.maxFields else {
                return Record(
                    fields: [], firstLine: firstLine, lastLine: lines.lineNumber, endOffset: lines.offset, problem: "more than \(Self.maxFields) fields")
            }
            return Record(fields: fields, firstLine: firstLine, lastLine: lines.lineNumber, endOffset: lines.offset, problem: nil)
        }
    }

    private func scan(_ bytes: [UInt8]) {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == 0x22 {
                    if i + 1 < bytes.count, bytes[i + 1] == 0x22 {
                        field.append(0x22)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(b)
                }
            } else if b == delimiter {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            } else if b == 0x22, field.isEmpty {
                inQuotes = true
            } else {
                field.append(b)
            }
            i += 1
        }
    }

    private func reset() {
        fields.removeAll(keepingCapacity: true)
        field.removeAll(keepingCapacity: true)
        inQuotes = false
        recordBytes = 0
    }
}
