import CRMDomain
import CRMStorage
import Foundation
import Testing

@Suite("the key file, as an operator makes and uses it")
struct KeyFileTests {
    @Test("crmd keys init makes a 0600 key file and never overwrites one; crmd refuses a missing key file or one others may read")
    func keyFile() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/keys.json"
            let made = try await runBinary("crmd", ["keys", "init", "--key-file", path])
            #expect(made.status == 0, "\(made.stderr)")
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
            #expect(mode == 0o600)
            let before = try String(contentsOfFile: path, encoding: .utf8)
            let again = try await runBinary("crmd", ["keys", "init", "--key-file", path])
            #expect(again.status != 0 && again.stderr.contains("never overwrites"), "\(again.stderr)")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == before)

            let db = try TestDatabase.create()
            chmod(path, 0o644)
            let readable = try await runBinary(
                "crmd", ["serve", "--database-url", db.connectionString, "--listen", "127.0.0.1:\(freePort())", "--key-file", path])
            #expect(readable.status != 0 && readable.stderr.contains("chmod 600"), "\(readable.stderr)")
            let missing = try await runBinary(
                "crmd", ["serve", "--database-url", db.connectionString, "--listen", "127.0.0.1:\(freePort())", "--key-file", dir + "/none.json"])
            #expect(missing.status != 0 && missing.stderr.contains("crmd keys init"), "\(missing.stderr)")
        }
    }

    @Test("crmd refuses a key file that lacks a master key the database's data keys are wrapped with, naming it")
    func missingMasterKey() async throws {
        let db = try TestDatabase.create()
        try db.withConnection { c in
            _ = try c.query("INSERT INTO member DEFAULT VALUES")
            _ = try c.query("INSERT INTO data_key (member_id, master_key_id, wrapped) VALUES (1, 'm7', '\\x00')")
        }
        let refused = try await runBinary(
            "crmd", ["serve", "--database-url", db.connectionString, "--listen", "127.0.0.1:\(freePort())", "--key-file", TestKeys.path])
        #expect(refused.status != 0 && refused.stderr.contains("master key m7") && refused.stderr.contains(TestKeys.path), "\(refused.stderr)")
    }

    @Test("crmd refuses a key file holding another key under the id of the database's master key, instead of stopping at the first member it reads")
    func sameIDOtherKey() async throws {
        try await withTemporaryDirectory { dir in
            let db = try TestDatabase.create()
            let test = try KeyFile.read(TestKeys.path).0
            try db.withConnection { c in
                let wrapped = Keyring(test).wrap(Keyring.newDataKey())
                _ = try c.query("INSERT INTO member DEFAULT VALUES")
                _ = try c.query(
                    "INSERT INTO data_key (member_id, master_key_id, wrapped) VALUES (1, $1, $2)", [.text(wrapped.masterKeyID), .bytes(wrapped.bytes)])
            }
            let other = dir + "/other.json"
            try KeyFile.write(
                KeyFileFormat(current: test.current, master: [test.current: Array(repeating: 0x33, count: 32)], index: test.index), to: other, replacing: false)
            let arguments = ["migrate", "--database-url", db.connectionString]
            // The refusal comes before any migration: the last one, marked as not applied, is not tried
            // (its statements would fail on the tables it already made).
            let last = try db.withConnection { c in
                try c.query("DELETE FROM schema_migration WHERE version = (SELECT max(version) FROM schema_migration) RETURNING version, name, checksum")
                    .single!
            }
            let refused = try await runBinary("crmd", arguments + ["--key-file", other])
            #expect(refused.status != 0 && refused.stderr.contains("master key \(test.current) of the key file \(other)"), "\(refused.stderr)")
            _ = try db.withConnection { c in
                try c.query(
                    "INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)",
                    [.int(Int64(try last.decode(Int.self, at: 0))), .text(try last.decode(at: 1)), .text(try last.decode(at: 2))])
            }
            let accepted = try await runBinary("crmd", arguments + ["--key-file", TestKeys.path])
            #expect(accepted.status == 0, "\(accepted.stderr)")
        }
    }
}
