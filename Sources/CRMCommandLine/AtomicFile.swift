#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that appears whole under its name or not at all: written to a temporary file beside it,
/// synced, then renamed over the name, so a reader, or the next run after `kill -9`, sees the
/// previous file or the new one and never half of one. A failed or abandoned write removes the
/// temporary file and leaves a previous file as it was. Used for store-sync's checkpoints and for
/// the files crmctl and points-expiry write.
public final class AtomicFile {
    /// A step that failed, with the system's reason (`strerror`).
    public struct Failure: Error, CustomStringConvertible {
        public enum Step: Sendable { case open, write, commit }
        public var step: Step
        public var path: String
        public var temporaryPath: String
        public var reason: String

        public var description: String {
            step == .commit ? "cannot write \(path): \(reason)" : "cannot write \(path) (its temporary file \(temporaryPath)): \(reason)"
        }
    }

    /// The name the file appears under.
    public let path: String
    /// Where it is written until then; in the same directory, so the rename cannot cross file systems.
    public let temporaryPath: String
    private var fd: Int32

    /// Creates (or empties) the temporary file with `mode` (0600 by default: most of what the
    /// clients write holds personal data). `temporaryPath` is `path` + `.tmp` unless given.
    public init(_ path: String, temporaryPath: String? = nil, mode: mode_t = 0o600) throws(Failure) {
        self.path = path
        self.temporaryPath = temporaryPath ?? path + ".tmp"
        fd = open(self.temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(step: .open, path: path, temporaryPath: self.temporaryPath, reason: Self.lastError()) }
        // A temporary file left by an earlier run keeps its mode through O_CREAT, and the umask may
        // have narrowed ours: the file gets exactly `mode`, whatever was there.
        guard fchmod(fd, mode) == 0 else {
            let reason = Self.lastError()
            discard()
            throw Failure(step: .open, path: path, temporaryPath: self.temporaryPath, reason: reason)
        }
    }

    deinit { discard() }

    /// Appends `bytes` to the temporary file, all of them.
    public func write(_ bytes: [UInt8]) throws(Failure) {
        precondition(fd >= 0, "written after commit or discard")
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { writeSome(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                let failure = Failure(step: .write, path: path, temporaryPath: temporaryPath, reason: Self.lastError())
                discard()
                throw failure
            }
            offset += written
        }
    }

    public func write(_ text: String) throws(Failure) { try write(Array(text.utf8)) }

    /// Syncs the temporary file and renames it over `path`. On failure the temporary file is removed.
    public func commit() throws(Failure) {
        precondition(fd >= 0, "committed after commit or discard")
        let synced = fsync(fd)
        close(fd)
        fd = -1
        guard synced == 0, rename(temporaryPath, path) == 0 else {
            let reason = Self.lastError()
            unlink(temporaryPath)
            throw Failure(step: .commit, path: path, temporaryPath: temporaryPath, reason: reason)
        }
    }

    /// Drops the temporary file; a file already under `path` stays as it was. Nothing after a commit.
    public func discard() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(temporaryPath)
    }

    /// Writes `text` as the whole of `path`, atomically.
    public static func write(_ text: String, to path: String, temporaryPath: String? = nil, mode: mode_t = 0o600) throws(Failure) {
        let file = try AtomicFile(path, temporaryPath: temporaryPath, mode: mode)
        try file.write(text)
        try file.commit()
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

/// `write(2)`, called from outside `AtomicFile`, whose own `write` would shadow it.
private func writeSome(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
