import CRMCommandLine
import Foundation

/// Where a CSV goes: standard output as it comes, or a file replaced atomically at the end
/// (`AtomicFile`, mode 0600: the list holds personal data), so readers never see half a list and a
/// failed run leaves the previous file as it was.
final class CSVOutput {
    let path: String?
    private let file: AtomicFile?

    /// Opens the temporary file beside `path` (hidden, named for this process), or standard output when nil.
    init(path: String?) throws {
        self.path = path
        guard let path else {
            file = nil
            return
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else { throw CommandFailure("--out must name a file, not a directory: \(path)") }
        file = try AtomicFile(path, temporaryPath: "\(directory).\(name).tmp-\(ProcessInfo.processInfo.processIdentifier)")
    }

    func write(_ text: String) throws {
        guard let file else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        try file.write(text)
    }

    /// Makes the file appear whole under its name.
    func commit() throws {
        try file?.commit()
    }

    /// Drops the temporary file (nothing happens to an earlier file under the name).
    func discard() {
        file?.discard()
    }
}
