import CRMDomain
import Foundation

/// Reading and writing the key file: created with mode 0600 and refused when others may read it,
/// replaced atomically (a new file renamed over the old) so a crash never leaves half a key file.
public enum KeyFile {
    /// Reads the keys and the file's modification time.
    public static func read(_ path: String) throws(KeyFileError) -> (KeyFileFormat, Date) {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw KeyFileError("no key file at \(path): make one with `crmd keys init --key-file \(path)`, and keep a copy where the database backups are not")
        }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
        guard mode & 0o077 == 0 else {
            throw KeyFileError("key file \(path) has mode \(String(mode, radix: 8)): others may read it; make it 0600 (chmod 600 \(path))")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw KeyFileError("cannot read key file \(path)") }
        switch KeyFileFormat.parse(String(decoding: data, as: UTF8.self)) {
        case .success(let keys): return (keys, attributes[.modificationDate] as? Date ?? .distantPast)
        case .failure(let problem): throw KeyFileError("key file \(path) \(problem.message)")
        }
    }

    static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// Writes `keys` to `path` with mode 0600: a temporary file in the same directory, flushed, then
    /// renamed over `path`. With `replacing: false`, refuses when `path` exists.
    public static func write(_ keys: KeyFileFormat, to path: String, replacing: Bool) throws(KeyFileError) {
        if !replacing, FileManager.default.fileExists(atPath: path) {
            throw KeyFileError("\(path) exists: crmd keys init never overwrites a key file (losing it loses the personal data)")
        }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw KeyFileError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(keys.serialized().utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw KeyFileError("cannot write key file \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// Why the key file cannot be used, in words for the operator.
public struct KeyFileError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
