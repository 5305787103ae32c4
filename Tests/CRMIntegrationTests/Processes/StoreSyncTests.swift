import CRMClient
import CRMProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The store-sync agent as a shop runs it: a process reading exports and pushing them to a real crmd.
@Suite("store-sync agent")
struct StoreSyncTests {
    static let mapping = """
        {"mappings": [
          {"match": "members*.csv", "type": "member.upsert", "id": "m-{uid}", "channel": "group_buy",
           "fields": {"member.external_id": "uid", "member.name": "姓名", "member.phone": "手機", "member.email": "郵箱",
                      "member.registered_at": "註冊時間", "member.address": "地址", "member.platform_ids.wechat_unionid": "unionid"}},
          {"match": "orders*.csv", "type": "order.paid", "id": "o-{訂單號}", "timezone": "+08:00",
           "fields": {"order.order_no": "訂單號", "order.member_external_id": "uid", "order.amount": "實付", "order.paid_at": "付款時間",
                      "order.payment_method": {"value": "alipay"},
                      "order.items[].sku": "SKU", "order.items[].name": "商品", "order.items[].quantity": {"column": "數量", "as": "integer"},
                      "order.items[].price": "單價"}}
        ]}
        """

    /// A database, a crmd on it with shop sh01, and a temporary directory with an empty `sh01`
    /// export directory in it.
    static func withAgentSetup(_ body: (TestDatabase, RunningCRMD, String, String) async throws -> Void) async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            try await withTemporaryDirectory { directory in
                let exports = directory + "/sh01"
                try FileManager.default.createDirectory(atPath: exports, withIntermediateDirectories: true)
                try await body(db, crmd, directory, exports)
            }
        }
    }

    @Test("CSV exports with a column mapping: grouped item rows, quoted fields, local times, bad rows to the rejects file by line")
    func csvDirectory() async throws {
        try await Self.withAgentSetup { db, crmd, directory, exports in
            try Self.mapping.write(toFile: directory + "/mapping.json", atomically: true, encoding: .utf8)
            // A BOM, a quoted address with a comma and a line break, and a row with a missing field (line 5).
            let members =
                "\u{FEFF}uid,姓名,手機,郵箱,註冊時間,地址,unionid\n"
                + "g1,王小明,138 0013 8000,XM@Example.com,2026-03-01 10:00:00,\"上海市浦東新區世紀大道100號, 2樓\",oU1\n"
                + "g2,李靜,139-0013-9000,,2026-03-01 11:00,\"北京市朝陽區\n建國路1號\",\n"
                + "g3,張偉,13700137000,,2026-03-02\n"
            try members.write(toFile: exports + "/members-2026-03.csv", atomically: true, encoding: .utf8)
            // Order N1 has two item rows; line 5 has a quantity that is not a number.
            let orders =
                "訂單號,uid,實付,付款時間,SKU,商品,數量,單價\n"
                + "N1,g1,598.00,2026-03-02 12:00:00,BRA-LACE-75B,蕾絲深V聚攏文胸,1,399.00\n"
                + "N1,g1,598.00,2026-03-02 12:00:00,SOCK-5P,棉襪五雙裝,5,39.80\n"
                + "N2,g2,19.90,2026-03-03 09:30,MASK-10,補水面膜,1,19.90\n"
                + "N3,g2,10.00,2026-03-03 09:31,MASK-10,補水面膜,two,10.00\n"
            try orders.write(toFile: exports + "/orders-2026-03.csv", atomically: true, encoding: .utf8)

            let setup = try await crmd.adminClient()
            let agent = try await setup.call("token.create", ["role": "agent", "shop": "sh01"])["token"]!.stringValue!
            let push = try await runBinary(
                "store-sync",
                [
                    "push", "--shop", "sh01", "--channel", "group_buy", "--source", exports,
                    "--mapping", directory + "/mapping.json",
                ],
                environment: crmd.clientEnvironment(token: agent))
            #expect(push.status == 0, "\(push.stderr)")
            #expect(push.stdout.contains("applied=4 duplicate=0 rejected=0 invalid=2"), "\(push.stdout)")

            let rejects = try String(contentsOfFile: exports + ".rejects", encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
            #expect(rejects.count == 2)
            #expect(rejects[0]["file"] == "members-2026-03.csv" && rejects[0]["line"] == 5)
            #expect(rejects[1]["file"] == "orders-2026-03.csv" && rejects[1]["line"] == 5)
            #expect(rejects[1]["error"]?["message"]?.stringValue?.contains("not an integer") == true)

            let wang = try await setup.member(["phone": "13800138000"])
            #expect(wang["name"] == "王小明")
            #expect(wang["email"] == "xm@example.com")
            #expect(wang["accounts"]?.arrayValue?.first?["channel"] == "group_buy")
            let li = try await setup.member(["shop": "sh01", "channel": "group_buy", "external_id": "g2"])
            #expect(li["phone"] == "+8613900139000")
            let order = try db.withConnection {
                try $0.query(
                    "SELECT amount_fen, jsonb_array_length(items), to_char(paid_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), channel FROM shop_order WHERE order_no = 'N1'"
                ).single!
            }
            #expect(try order.decode(Int64.self, at: 0) == 59_800)
            #expect(try order.decode(Int.self, at: 1) == 2)
            #expect(try order.decode(String.self, at: 2) == "2026-03-02 12:00")
            #expect(try order.decode(String.self, at: 3) == "group_buy")
            let address = try db.withConnection {
                try TestKeys.codec.open(
                    $0.query("SELECT a.address_sealed, k.id, k.master_key_id, k.wrapped FROM account a JOIN data_key k ON k.id = a.key_id WHERE a.external_id = 'g2'")
                        .single!, value: 0, key: 1)
            }
            #expect(address == "北京市朝陽區 建國路1號")  // the line break inside the quoted field arrived; crmd folds whitespace

            // A mapping that names a column the file lacks is refused before anything is sent.
            try Self.mapping.replacingOccurrences(of: "\"實付\"", with: "\"應付\"").write(toFile: directory + "/bad.json", atomically: true, encoding: .utf8)
            try FileManager.default.removeItem(atPath: exports + ".checkpoint")
            let bad = try await runBinary(
                "store-sync", ["push", "--shop", "sh01", "--source", exports + "/orders-2026-03.csv", "--mapping", directory + "/bad.json"],
                environment: crmd.clientEnvironment(token: agent))
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("應付"), "\(bad.stderr)")
            await setup.close()
        }
    }

    @Test("an export replaced under the same name is read from its start, not from the old file's offset")
    func replacedFile() async throws {
        try await Self.withAgentSetup { db, crmd, directory, exports in
            func lines(_ range: ClosedRange<Int>) -> String {
                range.map { JSONSerializer.serialize(Events.paid("o-\($0)", "web", order: "D\($0)", member: "u\($0)", amount: "1")) }.joined(separator: "\n")
                    + "\n"
            }
            let arguments = ["push", "--shop", "sh01", "--source", exports]
            try lines(1...3).write(toFile: exports + "/daily.jsonl", atomically: true, encoding: .utf8)
            let first = try await runBinary("store-sync", arguments, environment: crmd.clientEnvironment(token: crmd.adminToken))
            #expect(first.stdout.contains("applied=3"), "\(first.stdout)")
            // The exporter writes a new file and renames it over the old one: longer, other orders.
            try lines(1...8).write(toFile: exports + "/daily.jsonl", atomically: true, encoding: .utf8)
            let second = try await runBinary("store-sync", arguments, environment: crmd.clientEnvironment(token: crmd.adminToken))
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains("was replaced"))
            #expect(second.stdout.contains("applied=8 duplicate=3"), "\(second.stdout)")
            #expect(try await db.scalar("SELECT count(*) FROM shop_order WHERE order_no LIKE 'D%'") == 8)
        }
    }

    @Test("an agent killed with kill -9 mid-stream and restarted ends with every event applied exactly once")
    func killedAgentResumes() async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            try await withTemporaryDirectory { directory in
                let count = 8_000
                let source = directory + "/web.jsonl"
                let lines = (1...count).map {
                    JSONSerializer.serialize(Events.paid("o-\($0)", "web", order: "N\($0)", member: "u\($0 % 700)", amount: "12.30"))
                }
                try (lines.joined(separator: "\n") + "\n").write(toFile: source, atomically: true, encoding: .utf8)
                let arguments = ["push", "--shop", "sh01", "--source", source, "--batch-size", "20", "--in-flight", "2"]
                let first = try SpawnedProcess(Binaries.path("store-sync"), arguments, environment: crmd.clientEnvironment(token: crmd.adminToken))
                var arrived = 0
                for _ in 0..<6_000 where arrived < 1_000 {
                    arrived = try await db.scalar("SELECT count(*) FROM shop_order")
                    if arrived < 1_000 { try await Task.sleep(nanoseconds: 5_000_000) }
                }
                first.signal(SIGKILL)
                #expect(await first.wait(timeout: 10) == 128 + SIGKILL)
                await first.kill9()
                let checkpoint = try JSONParser.parse(String(contentsOfFile: source + ".checkpoint", encoding: .utf8))
                let acknowledged = Int(checkpoint["files"]?["web.jsonl"]?["line"]?.int64Value ?? -1)
                #expect(acknowledged > 0 && acknowledged < count, "killed mid-stream: \(acknowledged)")

                let second = try await runBinary("store-sync", arguments, environment: crmd.clientEnvironment(token: crmd.adminToken))
                #expect(second.status == 0, "\(second.stderr)")
                let summary = second.stdout
                let duplicate = Int(summary.split(separator: " ").first { $0.hasPrefix("duplicate=") }!.dropFirst("duplicate=".count))!
                let applied = Int(summary.split(separator: " ").first { $0.hasPrefix("applied=") }!.dropFirst("applied=".count))!
                // Only what was in flight and unacknowledged at the kill is sent twice: at most two batches of 20.
                #expect(duplicate <= 40, "\(summary)")
                #expect(applied + duplicate == count, "\(summary)")
                let orders = try db.withConnection { try $0.query("SELECT count(*), count(DISTINCT order_no), sum(amount_fen) FROM shop_order").single! }
                #expect(try orders.decode(Int.self, at: 0) == count)
                #expect(try orders.decode(Int.self, at: 1) == count)
                #expect(try orders.decode(Int64.self, at: 2) == Int64(count) * 1_230)
                #expect(try await db.scalar("SELECT count(*) FROM sync_event WHERE status = 'applied'") == count)
            }
        }
    }

    @Test("--follow pushes lines appended to a file and new files in the directory, never half a line, and stops cleanly on SIGTERM")
    func followDirectory() async throws {
        try await Self.withAgentSetup { db, crmd, directory, exports in
            func line(_ i: Int) -> String { JSONSerializer.serialize(Events.paid("o-\(i)", "mobile", order: "F\(i)", member: "u\(i)", amount: "5")) + "\n" }
            try (line(1) + line(2)).write(toFile: exports + "/a.jsonl", atomically: true, encoding: .utf8)
            let agent = try SpawnedProcess(
                Binaries.path("store-sync"), ["push", "--shop", "sh01", "--source", exports, "--follow", "--poll-interval", "50"],
                environment: crmd.clientEnvironment(token: crmd.adminToken))
            defer { Task { await agent.kill9() } }
            func waitForOrders(_ n: Int) async throws -> Int {
                var seen = 0
                for _ in 0..<3_000 where seen < n {
                    seen = try await db.scalar("SELECT count(*) FROM shop_order")
                    if seen < n { try await Task.sleep(nanoseconds: 10_000_000) }
                }
                return seen
            }
            #expect(try await waitForOrders(2) == 2)

            // Append a line in two writes: the first half alone must not be read as a line.
            let handle = FileHandle(forWritingAtPath: exports + "/a.jsonl")!
            try handle.seekToEnd()
            let third = Array(line(3).utf8)
            try handle.write(contentsOf: Data(third[..<40]))
            try await Task.sleep(nanoseconds: 400_000_000)
            try handle.write(contentsOf: Data(third[40...]))
            try handle.close()
            #expect(try await waitForOrders(3) == 3)
            // A new file in the directory is picked up.
            try (line(4) + line(5)).write(toFile: exports + "/b.jsonl", atomically: true, encoding: .utf8)
            #expect(try await waitForOrders(5) == 5)

            agent.signal(SIGTERM)
            #expect(await agent.wait(timeout: 20) == 0, "\(agent.log)")
            #expect(agent.log.contains("stopped by signal") && agent.log.contains("applied=5 duplicate=0 rejected=0 invalid=0"), "\(agent.log)")
            #expect(!agent.log.contains("parse_error"))
            let checkpoint = try JSONParser.parse(String(contentsOfFile: exports + ".checkpoint", encoding: .utf8))
            #expect(checkpoint["files"]?["a.jsonl"]?["line"] == 3)
            #expect(checkpoint["files"]?["b.jsonl"]?["line"] == 2)
            let rejects = (try? String(contentsOfFile: exports + ".rejects", encoding: .utf8)) ?? ""
            #expect(rejects.isEmpty)
        }
    }

}
