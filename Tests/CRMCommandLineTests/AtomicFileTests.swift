import CRMCommandLine
import Foundation
import Testing

@Suite("files that appear whole or not at all")
struct AtomicFileTests {
    /// A fresh directory for one test, removed afterwards.
    func withDirectory(_ body: (String) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "crm-atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }

    func contents(_ path: String) -> String? { FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } }

    @Test("the previous file stays until the commit; then the new one, mode 0600, and no temporary file")
    func commit() throws {
        try withDirectory { directory in
            let path = directory + "/list.csv"
            try "old\n".write(toFile: path, atomically: false, encoding: .utf8)
            let file = try AtomicFile(path)
            try file.write("new,")
            try file.write(Array("rows\n".utf8))
            #expect(contents(path) == "old\n")
            #expect(contents(path + ".tmp") == "new,rows\n")
            try file.commit()
            #expect(contents(path) == "new,rows\n")
            #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test("a temporary file left by an earlier run, readable by all, is made 0600 before anything is written to it")
    func staleTemporaryFile() throws {
        try withDirectory { directory in
            let path = directory + "/warn.csv"
            try "old rows\n".write(toFile: path + ".tmp", atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: path + ".tmp")
            let file = try AtomicFile(path)
            let mode = try FileManager.default.attributesOfItem(atPath: path + ".tmp")[.posixPermissions] as? Int
            #expect(mode == 0o600)
            try file.write("new rows\n")
            try file.commit()
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        }
    }

    @Test("a file abandoned (discarded, or dropped) leaves the previous file and no temporary file")
    func discard() throws {
        try withDirectory { directory in
            let path = directory + "/checkpoint"
            try "old\n".write(toFile: path, atomically: false, encoding: .utf8)
            let file = try AtomicFile(path, temporaryPath: directory + "/.checkpoint.partial")
            try file.write("half")
            file.discard()
            #expect(contents(path) == "old\n")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["checkpoint"])
            do {
                let dropped = try AtomicFile(path)
                try dropped.write("half")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["checkpoint"])
        }
    }

    @Test("failures name the file and the system's reason, and leave nothing behind")
    func failures() throws {
        try withDirectory { directory in
            let unreachable = directory + "/missing/list.csv"
            #expect {
                try AtomicFile(unreachable)
            } throws: { error in
                guard let failure = error as? AtomicFile.Failure else { return false }
                return failure.step == .open && "\(failure)".hasPrefix("cannot write \(unreachable) (its temporary file \(unreachable).tmp): ")
            }
            // A directory under the name: the rename fails, the temporary file goes.
            let taken = directory + "/taken"
            try FileManager.default.createDirectory(atPath: taken + "/inside", withIntermediateDirectories: true)
            #expect {
                try AtomicFile.write("rows\n", to: taken)
            } throws: { error in
                guard let failure = error as? AtomicFile.Failure else { return false }
                return failure.step == .commit && "\(failure)".hasPrefix("cannot write \(taken): ")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["taken"])
        }
    }
}
