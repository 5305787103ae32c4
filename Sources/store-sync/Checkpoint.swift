import CRMCommandLine
import CRMProtocol
import Foundation

/// How far each source file has been acknowledged by crmd: the line, and the byte offset after
/// it, up to which crmd answered every event. Written atomically (`AtomicFile`: temporary file, fsync, rename)
/// after each acknowledged batch, so after `kill -9` the agent resends at most what was not
/// acknowledged, and resumes by seeking rather than re-reading.
struct Checkpoint: Equatable {
    struct Position: Equatable {
        var line = 0
        var offset: Int64 = 0
        /// The file's inode when the position was taken: a file replaced under the same name (a new
        /// inode) is read again from its start instead of from an offset that belongs to another file.
        var inode: UInt64? = nil
    }

    /// Keyed by the file's name within the source directory (its base name for a single file).
    var files: [String: Position] = [:]
    var applied = 0
    var duplicate = 0
    var rejected = 0
    /// Lines that could not be read as events (written to the rejects file).
    var invalid = 0
    /// The size of the rejects file once the rejections of every acknowledged push were written:
    /// lines beyond it were written for pushes whose acknowledgement this checkpoint does not hold,
    /// so their resends do not write them again (`RejectsFile.skipWritten`). Nil in a checkpoint
    /// written before this was recorded: the whole file counts as written.
    var rejectsBytes: Int64? = nil

    var lines: Int { files.values.reduce(0) { $0 + $1.line } }

    static func load(_ path: String) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else { return Checkpoint() }
        guard let json = try? JSONParser.parse(Array(data)), case .object(let files)? = json["files"] else {
            throw SyncFailure("checkpoint \(path) is unreadable; move it away to start from the beginning")
        }
        var checkpoint = Checkpoint(
            applied: Int(json["applied"]?.int64Value ?? 0), duplicate: Int(json["duplicate"]?.int64Value ?? 0),
            rejected: Int(json["rejected"]?.int64Value ?? 0), invalid: Int(json["invalid"]?.int64Value ?? 0))
        if let rejectsBytes = json["rejects_bytes"] {
            guard let size = rejectsBytes.int64Value, size >= 0 else {
                throw SyncFailure("checkpoint \(path): bad rejects size \(ClientText.excerpt(JSONSerializer.serialize(rejectsBytes)))")
            }
            checkpoint.rejectsBytes = size
        }
        for (name, value) in files {
            guard let line = value["line"]?.int64Value, let offset = value["offset"]?.int64Value, line >= 0, offset >= 0 else {
                throw SyncFailure("checkpoint \(path): bad position for \(name)")
            }
            let inode = value["inode"]?.int64Value.map { UInt64(bitPattern: $0) }
            checkpoint.files[name] = Position(line: Int(line), offset: offset, inode: inode)
        }
        return checkpoint
    }

    func save(_ path: String) throws {
        var positions: JSONObject = [:]
        for (name, p) in files {
            var position: JSONObject = ["line": .int(Int64(p.line)), "offset": .int(p.offset)]
            if let inode = p.inode { position["inode"] = .int(Int64(bitPattern: inode)) }
            positions[name] = .object(position)
        }
        var object: JSONObject = [
            "files": .object(positions), "applied": .int(Int64(applied)),
            "duplicate": .int(Int64(duplicate)), "rejected": .int(Int64(rejected)), "invalid": .int(Int64(invalid)),
        ]
        if let rejectsBytes { object["rejects_bytes"] = .int(rejectsBytes) }
        let text = JSONSerializer.serialize(.object(object)) + "\n"
        do {
            try AtomicFile.write(text, to: path, mode: 0o644)
        } catch {
            throw CommandFailure.local("cannot write the checkpoint \(path): \(error.reason)")
        }
    }

    /// Refuses a checkpoint location that cannot be written (checked before anything is sent, so
    /// an agent never pushes what it could not record): makes and removes its temporary file.
    static func checkWritable(_ path: String) throws {
        do {
            try AtomicFile(path, mode: 0o644).discard()
        } catch {
            throw CommandFailure.local("cannot write the checkpoint \(path): \(error.reason)")
        }
    }
}
