import CRMProtocol
import Foundation
import Glibc

/// How far a source has been acknowledged by crmd: the last line whose event (and every event
/// before it) crmd answered. Written atomically (temporary file, fsync, rename) after each
/// acknowledged batch, so after `kill -9` the agent resends at most what was not acknowledged.
struct Checkpoint: Equatable {
    var line: Int = 0
    var applied: Int = 0
    var duplicate: Int = 0
    var rejected: Int = 0

    static func load(_ path: String) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else { return Checkpoint() }
        guard let json = try? JSONParser.parse(Array(data)), let line = json["line"]?.int64Value else {
            throw SyncFailure("checkpoint \(path) is unreadable; move it away to start from the beginning")
        }
        return Checkpoint(line: Int(line), applied: Int(json["applied"]?.int64Value ?? 0),
                          duplicate: Int(json["duplicate"]?.int64Value ?? 0), rejected: Int(json["rejected"]?.int64Value ?? 0))
    }

    func save(_ path: String) throws {
        let text = JSONSerializer.serialize(["line": .int(line), "applied": .int(applied), "duplicate": .int(duplicate), "rejected": .int(rejected)]) + "\n"
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SyncFailure("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            throw SyncFailure("cannot write checkpoint \(path): \(String(cString: strerror(errno)))")
        }
    }
}
