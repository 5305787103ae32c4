#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file (or standard input) line by line from a byte offset, numbering lines from 1 and
/// knowing the byte offset after every line, so a checkpoint can say exactly where to resume.
///
/// At the end of the data a line without its `\n` is held back unless the caller says the data is
/// final: a file that is still being written (`--follow`) never yields half a line.
final class LineReader {
    /// What one call to `next` found.
    enum Line {
        /// A whole line without its `\n` (and `\r`).
        case text([UInt8])
        /// A line longer than the limit; its bytes were skipped.
        case tooLong(bytes: Int)
    }

    static let chunkBytes = 64 << 10

    private let fd: Int32
    private let ownsFile: Bool
    let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where the search for the next `\n` goes on: bytes before it hold none.
    private var searched = 0
    /// Bytes of an over-long line skipped so far, while looking for its end.
    private var skipping: Int? = nil
    /// The file offset just after the last line returned.
    private(set) var offset: Int64
    /// The number of the last line returned.
    private(set) var lineNumber: Int

    /// Opens `path` (`-` is standard input) at `offset`, whose line number is `line`.
    init(path: String, offset: Int64 = 0, line: Int = 0, maxLineBytes: Int = 1 << 20) throws {
        precondition(offset >= 0 && line >= 0 && maxLineBytes > 0)
        self.maxLineBytes = maxLineBytes
        self.offset = offset
        self.lineNumber = line
        if path == "-" {
            precondition(offset == 0, "standard input cannot be resumed at an offset")
            fd = 0
            ownsFile = false
        } else {
            // Stored only once usable: a throwing init of a fully initialised object runs deinit,
            // which would close the descriptor a second time.
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else { throw SyncFailure("cannot open \(path): \(String(cString: strerror(errno)))") }
            if offset > 0 {
                var info = stat()
                guard fstat(opened, &info) == 0, Int64(info.st_size) >= offset else {
                    close(opened)
                    throw SyncFailure(
                        "\(path) is shorter than its checkpoint (offset \(offset)); was it replaced? Move the checkpoint away to start it from the beginning")
                }
                guard lseek(opened, off_t(offset), SEEK_SET) == off_t(offset) else {
                    close(opened)
                    throw SyncFailure("cannot seek in \(path): \(String(cString: strerror(errno)))")
                }
            }
            fd = opened
            ownsFile = true
        }
        buffer.reserveCapacity(Self.chunkBytes)
    }

    deinit {
        if ownsFile { close(fd) }
    }

    /// Reads and drops lines until `line` lines have been read (resuming standard input, which
    /// cannot seek, after a checkpoint).
    func skip(toLine line: Int) throws {
        while lineNumber < line, try next(final: true) != nil {}
    }

    /// The next line, or nil when no whole line is available now. With `final`, the bytes after
    /// the last `\n` count as a line.
    func next(final: Bool) throws -> Line? {
        while true {
            if let newline = buffer[max(start, searched)...].firstIndex(of: 0x0A) {
                let length = newline - start
                defer {
                    offset += Int64(length + 1)
                    lineNumber += 1
                    start = newline + 1
                    searched = start
                }
                if let skipped = skipping {
                    skipping = nil
                    return .tooLong(bytes: skipped + length)
                }
                if length > maxLineBytes { return .tooLong(bytes: length) }
                return .text(trimmed(buffer[start..<newline]))
            }
            // No whole line in the buffer: keep what is left, skip it if it is already too long.
            if skipping != nil || buffer.count - start > maxLineBytes {
                skipping = (skipping ?? 0) + buffer.count - start
                offset += Int64(buffer.count - start)
                buffer.removeAll(keepingCapacity: true)
                start = 0
            } else if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            searched = buffer.count
            if try fill() == 0 {
                guard final else { return nil }
                if let skipped = skipping {
                    skipping = nil
                    lineNumber += 1
                    return .tooLong(bytes: skipped)
                }
                guard start < buffer.count else { return nil }
                let rest = buffer[start...]
                offset += Int64(rest.count)
                lineNumber += 1
                start = buffer.count
                return .text(trimmed(rest))
            }
        }
    }

    private func trimmed(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var slice = bytes
        while let last = slice.last, last == 0x0D { slice = slice.dropLast() }
        return Array(slice)
    }

    /// Reads one chunk onto the end of the buffer; returns the bytes read (0 at the end for now).
    private func fill() throws -> Int {
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: Self.chunkBytes))
        let n = buffer.withUnsafeMutableBytes { raw -> Int in
            while true {
                let r = read(fd, raw.baseAddress! + old, Self.chunkBytes)
                if r < 0, errno == EINTR { continue }
                return r
            }
        }
        buffer.removeLast(Self.chunkBytes - max(n, 0))
        guard n >= 0 else { throw SyncFailure("read failed: \(String(cString: strerror(errno)))") }
        return n
    }
}

/// A failure that ends the agent with a message.
struct SyncFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
