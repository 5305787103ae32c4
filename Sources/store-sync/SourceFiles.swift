import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The formats an export can be in.
enum SourceFormat: String, ExpressibleByArgument, CaseIterable {
    case jsonl, csv

    static func of(fileName: String) -> SourceFormat? {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".csv") || lower.hasSuffix(".tsv") { return .csv }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") { return .jsonl }
        return nil
    }
}

/// One file of a source, named as the checkpoint knows it.
struct SourceFile {
    let path: String
    /// The key in the checkpoint: the name within the directory, or the base name of a single file.
    let name: String
    let format: SourceFormat
    /// Bytes now (nil for standard input).
    let size: Int64?
    /// Which file this is, whatever its name (nil for standard input).
    let inode: UInt64?
}

/// What `--source` names: one file, standard input, or a directory whose export files are taken
/// in name order (new files are picked up with `--follow`).
struct SourceSet {
    let source: String
    let format: SourceFormat?

    var isDirectory: Bool {
        var isDir: ObjCBool = false
        return source != "-" && FileManager.default.fileExists(atPath: source, isDirectory: &isDir) && isDir.boolValue
    }

    /// The files as they are now, in the order they are pushed.
    func files() throws -> [SourceFile] {
        if source == "-" { return [SourceFile(path: "-", name: "-", format: format ?? .jsonl, size: nil, inode: nil)] }
        if isDirectory {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: source) } catch {
                throw SyncFailure("cannot list \(source): \(error.localizedDescription)")
            }
            return names.sorted().compactMap { name -> SourceFile? in
                guard !name.hasPrefix("."), let kind = SourceFormat.of(fileName: name), format == nil || kind == format else { return nil }
                let path = source + "/" + name
                guard let (size, inode) = Self.regularFile(path) else { return nil }
                return SourceFile(path: path, name: name, format: kind, size: size, inode: inode)
            }
        }
        guard let (size, inode) = Self.regularFile(source) else {
            // A pipe or FIFO has no offsets to checkpoint: standard input is the way to stream one.
            guard access(source, R_OK) == 0 else { throw SyncFailure("cannot open \(source): \(String(cString: strerror(errno)))") }
            throw SyncFailure("\(source) is not a regular file: stream it as standard input (--source - < \(source))")
        }
        let name = source.split(separator: "/").last.map(String.init) ?? source
        return [SourceFile(path: source, name: name, format: format ?? SourceFormat.of(fileName: name) ?? .jsonl, size: size, inode: inode)]
    }

    /// The size and inode of a regular file, or nil for anything else.
    static func regularFile(_ path: String) -> (size: Int64, inode: UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return (Int64(info.st_size), UInt64(info.st_ino))
    }
}
