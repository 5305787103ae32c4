import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMJSON
import CRMPostgres
import CRMProtocol
import Foundation

/// `crm-bench lookup`: the lookups a till makes — `member.get` by phone and by id, `member.benefits`,
/// `points.redeem` — through crmd, against the statements underneath them run straight through libpq
/// (prepared, and unnamed as behind a transaction-mode pooler), in the same run, over several
/// connection counts with one request in flight on each.
struct LookupBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "member.get by phone and id, member.benefits, points.redeem against the same SELECT through libpq.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Member ids are drawn from 1...N; member N's phone is +86139 and N in 8 digits (scripts/bench lookup).")
    var members = 1_000_000
    @Option(name: .customLong("database-url"), help: "The database crmd uses, for the libpq baseline.") var databaseURL: String
    @Option(help: "Connection counts to measure, comma-separated.") var connections = "1,8,64"
    @Option(help: "Seconds to measure each method at each connection count.") var seconds = 5.0
    @Option(help: "What the crmd measured is (printed in each row), e.g. direct or pooler.") var label = "crmd"

    /// One measured line of the table.
    struct Row {
        var connections: Int
        var what: String
        var figures: ClosedLoop.Figures
    }

    func run() async throws {
        let counts = connections.split(separator: ",").compactMap { Int($0) }
        guard !counts.isEmpty, counts.allSatisfy({ (1...1_000).contains($0) }) else { throw ValidationError("--connections must list counts in 1...1000") }
        guard members > 0, seconds > 0 && seconds <= 600 else { throw ValidationError("--members > 0, --seconds up to 600") }
        guard let token = connection.resolvedToken else { throw ValidationError("no token: pass --token or set CRM_TOKEN") }
        let database = PostgresConfiguration(connectionString: databaseURL, applicationName: "crm-bench")
        let phoneKeys = try Self.phoneKeys(database)
        print("| connections | what | req/s | p50 ms | p99 ms | req/s vs prepared SELECT | p50 vs prepared SELECT |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for count in counts {
            var rows = try await crmdRows(count: count, token: token)
            rows += try baselineRows(count: count, database: database, phoneKeys: phoneKeys)
            let base = rows.first { $0.what == "libpq prepared SELECT member by id" }!.figures
            for row in rows {
                let f = row.figures
                print(
                    String(
                        format: "| %d | %@ | %.0f | %.2f | %.2f | %.2f | %.1f |", row.connections, row.what, f.perSecond, f.p50, f.p99,
                        f.perSecond / max(base.perSecond, 1), f.p50 / max(base.p50, 0.001)))
            }
        }
    }

    /// The four methods through crmd, on `count` connections.
    func crmdRows(count: Int, token: String) async throws -> [Row] {
        let (host, port) = try connection.address()
        var clients: [RPCClient] = []
        for _ in 0..<count {
            let c = try await RPCClient.connect(host: host, port: port)
            _ = try await c.call("session.hello", ["token": .string(token), "client": "crm-bench/0.1"])
            clients.append(c)
        }
        defer { for c in clients { Task { await c.close() } } }
        let members = self.members, run = "\(ProcessInfo.processInfo.processIdentifier)-\(count)-\(label)"
        let counter = Counter()
        let calls: [(String, @Sendable (RPCClient) async throws -> Void)] = [
            ("member.get by phone", { c in _ = try await c.call(RPC.Member.Get.name, ["phone": .string(Self.phone(Int.random(in: 1...members)))]) }),
            ("member.get by id", { c in _ = try await c.call(RPC.Member.Get.name, ["member_id": .string(String(Int.random(in: 1...members)))]) }),
            ("member.benefits", { c in _ = try await c.call(RPC.Benefit.Member.name, ["member_id": .string(String(Int.random(in: 1...members)))]) }),
            ("points.redeem 1 point", { c in
                let params: JSONValue = [
                    "member_id": .string(String(Int.random(in: 1...members))), "points": 1,
                    "idempotency_key": .string("bench-\(run)-\(counter.next())"), "reason": "crm-bench lookup",
                ]
                _ = try await c.call("points.redeem", params)
            }),
        ]
        var rows: [Row] = []
        for (what, body) in calls {
            rows.append(Row(connections: count, what: "\(label): \(what)", figures: try await ClosedLoop.run(clients, depth: 1, seconds: seconds, body)))
        }
        return rows
    }

    /// The SELECTs under the lookups, straight through libpq on `count` connections.
    func baselineRows(count: Int, database: PostgresConfiguration, phoneKeys: [String]) throws -> [Row] {
        let members = self.members
        let byID = "SELECT * FROM member WHERE id = $1"
        let byPhone = """
            SELECT DISTINCT a.member_id FROM identity_key k JOIN account a ON a.id = k.account_id
            WHERE k.kind = 'phone' AND k.value = $1 ORDER BY 1 LIMIT 11
            """
        let runs: [(String, @Sendable (PostgresConnection) throws -> Void)] = [
            ("libpq prepared SELECT member by id", { c in try c.queryPrepared(byID, [.int(Int64.random(in: 1...Int64(members)))]) }),
            ("libpq unnamed SELECT member by id", { c in try c.query(byID, [.int(Int64.random(in: 1...Int64(members)))]) }),
            ("libpq prepared SELECT member by phone key", { c in try c.queryPrepared(byPhone, [.text(phoneKeys.randomElement()!)]) }),
            ("libpq unnamed SELECT member by phone key", { c in try c.query(byPhone, [.text(phoneKeys.randomElement()!)]) }),
        ]
        return try runs.map { what, body in
            Row(connections: count, what: what, figures: try LibpqLoop.run(database, connections: count, seconds: seconds, body))
        }
    }

    /// Member `n`'s phone as the loader wrote it.
    static func phone(_ n: Int) -> String {
        let digits = String(n)
        return "+86139" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// A sample of the phones' blind indexes as crmd stored them (the baseline cannot make them: it has no keys).
    static func phoneKeys(_ database: PostgresConfiguration) throws -> [String] {
        let c = try PostgresConnection(configuration: database)
        defer { c.close() }
        let keys = try c.query("SELECT value FROM identity_key WHERE kind = 'phone' ORDER BY random() LIMIT 20000").map { try $0.decode(String.self, at: 0) }
        guard !keys.isEmpty else { throw ValidationError("no phone identity keys in the database: load it with scripts/bench lookup") }
        return keys
    }

    /// Idempotency keys unique within the run.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.withLock { value += 1; return value } }
    }
}
