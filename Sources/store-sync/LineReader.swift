import Glibc

/// Reads a file (or standard input) line by line with `getline`, numbering lines from 1, without
/// loading the whole file.
final class LineReader {
    private let file: UnsafeMutablePointer<FILE>
    private let ownsFile: Bool
    private var buffer: UnsafeMutablePointer<CChar>? = nil
    private var capacity = 0
    private(set) var lineNumber = 0

    /// Opens `path` (`-` is standard input).
    init(path: String) throws {
        if path == "-" {
            guard let f = fdopen(0, "r") else { throw SyncFailure("cannot read standard input") }
            file = f
            ownsFile = false
        } else {
            guard let f = fopen(path, "r") else { throw SyncFailure("cannot open \(path): \(String(cString: strerror(errno)))") }
            file = f
            ownsFile = true
        }
    }

    deinit {
        free(buffer)
        if ownsFile { fclose(file) }
    }

    /// The next line without its `\n` (and `\r`), or nil at the end.
    func next() -> [UInt8]? {
        let n = getline(&buffer, &capacity, file)
        guard n >= 0, let buffer else { return nil }
        lineNumber += 1
        var length = n
        while length > 0, buffer[length - 1] == 0x0A || buffer[length - 1] == 0x0D { length -= 1 }
        return buffer.withMemoryRebound(to: UInt8.self, capacity: n) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }
}

/// A failure that ends the agent with a message.
struct SyncFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
