#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file argument read whole: a regular file, or anything else `open(2)` can read — a pipe from
/// the shell's `<(…)` (`/dev/fd/63`), a FIFO, `/dev/stdin`; `-` is standard input. The size is
/// never asked of the file system and nothing is mapped: bytes are read until end of file, so a
/// pipe, whose size is 0, reads like any file. At most `maxBytes` are kept; more is an error.
public enum InputFile {
    /// What a failure says, in the words of the argument the operator gave.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static let defaultMaxBytes = 1 << 20

    /// The name to use in messages: `standard input` for `-`, else the path.
    public static func displayName(_ path: String) -> String { path == "-" ? "standard input" : path }

    /// Reads `path` (`-`: standard input) to its end.
    public static func read(_ path: String, maxBytes: Int = defaultMaxBytes) throws(Failure) -> [UInt8] {
        precondition(maxBytes > 0)
        let fd: Int32
        if path == "-" {
            fd = 0
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))") }
        }
        defer { if fd != 0 { close(fd) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { raw in readChunk(fd, raw.baseAddress!, raw.count) }
            if n < 0 {
                if errno == EINTR { continue }
                // EISDIR and the like: say what the operator gave, and why it cannot be read.
                throw Failure(description: "cannot read \(displayName(path)): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return bytes }
            guard bytes.count + n <= maxBytes else {
                throw Failure(description: "\(displayName(path)) is larger than \(maxBytes >= 1 << 20 ? "\(maxBytes >> 20) MiB" : "\(maxBytes) bytes")")
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }
}

/// `read(2)`, called from outside `InputFile`, whose own `read` would shadow it.
private func readChunk(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
