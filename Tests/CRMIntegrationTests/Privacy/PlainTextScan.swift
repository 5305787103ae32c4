import CRMPostgres
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
