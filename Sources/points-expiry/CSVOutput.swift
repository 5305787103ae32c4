import CRMCommandLine
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RFC 4180 fields: quoted when they hold a comma, a quote, a line break or surrounding spaces,
/// with quotes doubled; rows end with `\n`.
enum CSV {
    static func field(_ text: String) -> String {
        let needsQuotes = text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            || text.first == " " || text.last == " "
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }
}

/// Where a CSV goes: standard output as it comes, or a file replaced atomically at the end (a
/// temporary file beside it, synced, then renamed), so readers never see half a list and a failed
/// run leaves the previous file as it was.
final class CSVOutput {
    let path: String?
    private let temporary: String?
    private var fd: Int32 = -1

    /// Opens the temporary file beside `path` (mode 0600: the list holds personal data), or standard output when nil.
    init(path: String?) throws {
        self.path = path
        guard let path else {
            temporary = nil
            return
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else { throw CommandFailure("--out must name a file, not a directory: \(path)") }
        let temporary = "\(directory).\(name).tmp-\(getpid())"
        self.temporary = temporary
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CommandFailure("cannot write \(path) (its temporary file \(temporary)): \(String(cString: strerror(errno)))") }
    }

    deinit { discard() }

    func write(_ text: String) throws {
        guard fd >= 0 else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw CommandFailure("cannot write \(temporary ?? "the output"): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Makes the file appear whole under its name.
    func commit() throws {
        guard fd >= 0, let temporary, let path else { return }
        let synced = fsync(fd)
        close(fd)
        fd = -1
        guard synced == 0, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CommandFailure("cannot write \(path): \(reason)")
        }
    }

    /// Drops the temporary file (nothing happens to an earlier file under the name).
    func discard() {
        guard fd >= 0, let temporary else { return }
        close(fd)
        fd = -1
        unlink(temporary)
    }
}
