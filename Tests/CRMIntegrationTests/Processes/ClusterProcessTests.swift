import CRMProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Several crmd processes on one database, as behind a load balancer (scripts/cluster runs the
/// same with HAProxy): an instance killed with SIGKILL under an agent loses nothing and applies
/// nothing twice.
@Suite("several crmd on one database")
struct ClusterProcessTests {
    /// `crmd serve` on the test database at `port` (another free port if that one is taken).
    static func startInstance(_ db: TestDatabase, adminToken: String, port: Int) async throws -> (SpawnedProcess, Int) {
        var port = port
        for attempt in 1...5 {
            do {
                let process = try await startCRMD(
                    arguments: ["--database-url", db.connectionString], environment: ["CRM_ADMIN_TOKEN": adminToken], port: port)
                return (process, port)
            } catch let error as CRMDExited where error.portTaken && attempt < 5 {
                port = freePort()
            }
        }
        preconditionFailure("crmd started or threw")
    }

    /// `count` paid orders of 700 accounts, one file, for `store-sync push --source`.
    static func writeOrders(_ path: String, prefix: String, count: Int) throws {
        let lines = (1...count).map {
            JSONSerializer.serialize(Events.paid("\(prefix)-\($0)", "web", order: "\(prefix)\($0)", member: "u\($0 % 700)", amount: "12.30"))
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// applied=N and duplicate=N of an agent's closing line.
    static func figure(_ name: String, in summary: String) -> Int {
        Int(summary.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix(name + "=") }?.dropFirst(name.count + 1) ?? "") ?? -1
    }

    @Test("two crmd on one database, an agent on each; one crmd killed with kill -9 mid-stream and restarted: every event applied exactly once")
    func instanceKilledUnderAgent() async throws {
        try await withTestDatabase { db in
            let first = try await RunningCRMD.start(db)
            defer { Task { await first.process.kill9() } }
            let (second, secondPort) = try await Self.startInstance(db, adminToken: first.adminToken, port: freePort())
            defer { Task { await second.kill9() } }
            let admin = try await first.adminClient()
            _ = try await admin.call("shop.create", ["code": "sh02"])
            await admin.close()
            try await withTemporaryDirectory { directory in
                let count = 6_000
                try Self.writeOrders(directory + "/a.jsonl", prefix: "A", count: count)
                try Self.writeOrders(directory + "/b.jsonl", prefix: "B", count: count)
                func agent(_ shop: String, _ file: String, port: Int) throws -> SpawnedProcess {
                    try SpawnedProcess(
                        Binaries.path("store-sync"),
                        ["push", "--shop", shop, "--source", directory + "/" + file, "--batch-size", "20", "--in-flight", "2"],
                        environment: ["CRM_SERVER": "127.0.0.1:\(port)", "CRM_TOKEN": first.adminToken])
                }
                let onFirst = try agent("sh01", "a.jsonl", port: first.port)
                defer { Task { await onFirst.kill9() } }
                let onSecond = try agent("sh02", "b.jsonl", port: secondPort)
                defer { Task { await onSecond.kill9() } }

                var arrived = 0
                for _ in 0..<6_000 where arrived < 1_000 {
                    arrived = try await db.scalar("SELECT count(*) FROM shop_order o JOIN shop s ON s.id = o.shop_id WHERE s.code = 'sh01'")
                    if arrived < 1_000 { try await Task.sleep(nanoseconds: 5_000_000) }
                }
                first.process.signal(SIGKILL)
                #expect(await first.process.wait(timeout: 10) == 128 + SIGKILL)
                // The agent keeps retrying from its checkpoint while its crmd is away.
                try await Task.sleep(nanoseconds: 1_000_000_000)
                let (restarted, _) = try await Self.startInstance(db, adminToken: first.adminToken, port: first.port)
                defer { Task { await restarted.kill9() } }

                #expect(await onFirst.wait(timeout: 120) == 0, "\(onFirst.log)")
                #expect(await onSecond.wait(timeout: 120) == 0, "\(onSecond.log)")
                #expect(onFirst.log.contains("retrying in"), "\(onFirst.log)")
                for (name, agent) in [("sh01", onFirst), ("sh02", onSecond)] {
                    let applied = Self.figure("applied", in: agent.log)
                    let duplicate = Self.figure("duplicate", in: agent.log)
                    // At most the two pushes in flight at the kill are sent again.
                    #expect(applied + duplicate == count && duplicate <= 40, "\(name): \(agent.log)")
                }
                let orders = try db.withConnection {
                    try $0.query("SELECT count(*), count(DISTINCT (shop_id, order_no)), sum(amount_fen) FROM shop_order").single!
                }
                #expect(try orders.decode(Int.self, at: 0) == 2 * count)
                #expect(try orders.decode(Int.self, at: 1) == 2 * count)
                #expect(try orders.decode(Int64.self, at: 2) == Int64(2 * count) * 1_230)
                #expect(try await db.scalar("SELECT count(*) FROM sync_event WHERE status = 'applied'") == 2 * count)
                // Every order earned its points once: the ledger's checks hold and every order has its earning.
                let unearned = "SELECT count(*) FROM shop_order o WHERE NOT EXISTS (SELECT 1 FROM points_entry e WHERE e.order_id = o.id AND e.kind = 'earn')"
                #expect(try await db.scalar(unearned) == 0)
                let verify = try await runBinary(
                    "crmctl", ["verify"], environment: ["CRM_SERVER": "127.0.0.1:\(secondPort)", "CRM_TOKEN": first.adminToken])
                #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            }
        }
    }
}
