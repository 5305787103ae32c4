/// Makes the decoder that reads a source file from a position: JSON lines, or CSV through the
/// column mappings; a missing channel is taken from `--channel`.
struct SourceDecoders {
    let mappings: [CSVMapping]?
    let channel: String?

    func decoder(for file: SourceFile, at position: Checkpoint.Position) throws -> any EventDecoder {
        switch file.format {
        case .jsonl:
            if file.path == "-" {
                let lines = try LineReader(path: "-", maxLineBytes: Push.maxLineBytes)
                try lines.skip(toLine: position.line)
                return JSONLinesDecoder(lines: lines, channel: channel)
            }
            return JSONLinesDecoder(
                lines: try LineReader(path: file.path, offset: position.offset, line: position.line, maxLineBytes: Push.maxLineBytes),
                channel: channel)
        case .csv:
            guard let mappings else { throw SyncFailure("\(file.path) is CSV: give --mapping FILE") }
            return try CSVDecoder(
                path: file.path, offset: position.offset, line: position.line, mappings: mappings,
                channel: channel, maxLineBytes: Push.maxLineBytes)
        }
    }
}
