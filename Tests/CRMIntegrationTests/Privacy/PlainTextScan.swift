import CRMDomain
import CRMPostgres
import CRMStorage
import Foundation

/// PostgreSQL's client programs (`pg_dump`), from where crmd finds the server's: Debian's
/// `/usr/lib/postgresql/<version>/bin` (newest first), then `PATH`.
enum PostgresPrograms {
    static func path(_ program: String) -> String? {
        let fm = FileManager.default
        let base = "/usr/lib/postgresql"
        let versions = ((try? fm.contentsOfDirectory(atPath: base)) ?? []).compactMap { Double($0) }.sorted(by: >)
        for version in versions {
            let name = version == version.rounded() ? String(Int(version)) : String(version)
            let candidate = "\(base)/\(name)/bin/\(program)"
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") where fm.isExecutableFile(atPath: "\(dir)/\(program)") {
            return "\(dir)/\(program)"
        }
        return nil
    }

    /// The whole database as `pg_dump` writes it (schema and every row, as plain SQL text).
    static func dump(_ db: TestDatabase) throws -> String {
        guard let pgDump = path("pg_dump") else { preconditionFailure("pg_dump is not installed next to the PostgreSQL server") }
        let out = try runProcessBlocking(pgDump, ["--no-owner", "--dbname", db.connectionString], environment: [:], cleared: [])
        precondition(out.status == 0, "pg_dump failed: \(out.stderr)")
        return out.stdout
    }
}

/// Looks for personal values in plain text: each value as written, as JSON escapes it (`\u9f94`),
/// and in its other spellings the caller lists (a Simplified fold, a normalised phone).
struct PlainTextScan {
    /// What a value is (for the report) and the texts that would give it away.
    struct Value {
        var label: String
        var spellings: [String]
    }

    let values: [Value]

    /// Each place `text` holds a value: `where` (for a dump, the table whose rows it is in) and an excerpt.
    func hits(in text: String, source: String) -> [String] {
        var out: [String] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var table = source
        for line in lines {
            if line.hasPrefix("COPY ") { table = "\(source) table " + (line.split(separator: " ").dropFirst().first.map(String.init) ?? "?") }
            if line.hasPrefix("\\.") { table = source }
            for value in values {
                for spelling in value.spellings.flatMap({ [$0, Self.jsonEscaped($0)] }) where line.contains(spelling) {
                    out.append("\(value.label) \"\(spelling)\" in \(table): \(line.prefix(300))")
                }
            }
        }
        return Array(Set(out)).sorted()
    }

    /// `text` with every character outside ASCII as a JSON `\uXXXX` escape (lower-case hex).
    static func jsonEscaped(_ text: String) -> String {
        var out = ""
        for unit in text.utf16 {
            if unit < 0x80 { out.unicodeScalars.append(Unicode.Scalar(unit)!) } else { out += String(format: "\\u%04x", unit) }
        }
        return out
    }
}

/// Opens every sealed value a dump holds whose data key still exists (with the test run's key
/// file, as someone holding a backup and the keys could), for scans of what is decryptable.
enum SealedValues {
    /// The plain texts of the sealed values (`<key id>.<base64>`) in `dump` that open.
    static func opened(in dump: String, db: TestDatabase) throws -> [String] {
        let keyring = Keyring(try KeyFile.read(TestKeys.path).0)
        let pattern = try NSRegularExpression(pattern: #"(?<![0-9A-Za-z.])([1-9][0-9]{0,18})\.([A-Za-z0-9+/]{38,}={0,2})"#)
        let text = dump as NSString
        var byKey: [Int64: [String]] = [:]
        for match in pattern.matches(in: dump, range: NSRange(location: 0, length: text.length)) {
            guard let id = Int64(text.substring(with: match.range(at: 1))) else { continue }
            byKey[id, default: []].append(text.substring(with: match.range))
        }
        guard !byKey.isEmpty else { return [] }
        var ciphers: [Int64: FieldCipher] = [:]
        try db.withConnection { c in
            for row in try c.query(
                "SELECT id, master_key_id, wrapped FROM data_key WHERE id = ANY($1::bigint[]) AND wrapped IS NOT NULL", [.intArray(Array(byKey.keys))])
            {
                let id: Int64 = try row.decode(at: 0)
                guard let key = keyring.unwrap(WrappedKey(masterKeyID: try row.decode(at: 1), bytes: try row.decode(at: 2))) else { continue }
                ciphers[id] = FieldCipher(keyID: id, key: key)
            }
        }
        return byKey.flatMap { id, values in ciphers[id].map { cipher in values.compactMap { cipher.open($0) } } ?? [] }
    }
}
