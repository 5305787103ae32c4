import CRMCommandLine
import CRMProtocol
import Foundation

#if canImport(Glibc)
import Glibc
#endif

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
                // Mode 0600: a rejected line carries the member object as the shop sent it.
                if !FileManager.default.fileExists(atPath: path) {
                    _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
                }
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
