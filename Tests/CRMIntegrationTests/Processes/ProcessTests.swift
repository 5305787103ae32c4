import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real executables, as an operator runs them.
@Suite("crmd and crmctl as processes")
struct ProcessTests {
    @Test("crmctl drives a running crmd: health, shops, tokens, errors as one line and exit status")
    func crmctl() async throws {
        try await withTestDatabase { db in
            let port = freePort()
            let admin = AccessToken.generate()
            let crmd = try await startCRMD(arguments: ["--database-url", db.connectionString], environment: ["CRM_ADMIN_TOKEN": admin], port: port)
            defer { Task { await crmd.kill9() } }
            let env = ["CRM_SERVER": "127.0.0.1:\(port)", "CRM_TOKEN": admin]

            let health = try await runBinary("crmctl", ["health"], environment: ["CRM_SERVER": "127.0.0.1:\(port)"])
            #expect(health.status == 0)
            #expect(health.stdout.contains("status    ok"))

            let created = try await runBinary("crmctl", ["shop", "create", "sh01", "--name", "旗艦店"], environment: env)
            #expect(created.status == 0, "\(created.stderr)")
            let list = try await runBinary("crmctl", ["shop", "list"], environment: env)
            #expect(list.stdout.contains("sh01"))
            #expect(list.stdout.contains("旗艦店"))
            let json = try await runBinary("crmctl", ["shop", "list", "--json"], environment: env)
            let parsed = try JSONParser.parse(json.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(parsed.arrayValue?.first?["code"] == "sh01")

            let duplicate = try await runBinary("crmctl", ["shop", "create", "sh01"], environment: env)
            #expect(duplicate.status == 1)
            #expect(duplicate.stderr.split(separator: "\n").count == 1)
            #expect(duplicate.stderr.contains("shop_exists"))

            let token = try await runBinary("crmctl", ["token", "create", "--role", "agent", "--shop", "sh01", "--name", "sh01 agent"], environment: env)
            #expect(token.status == 0)
            let agentToken = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(agentToken.hasPrefix("crm_"))
            let check = try await runBinary(
                "store-sync", ["check", "--shop", "sh01"], environment: ["CRM_SERVER": "127.0.0.1:\(port)", "CRM_TOKEN": agentToken])
            #expect(check.status == 0, "\(check.stderr)")
            let wrongShop = try await runBinary(
                "store-sync", ["check", "--shop", "sh02"], environment: ["CRM_SERVER": "127.0.0.1:\(port)", "CRM_TOKEN": agentToken])
            #expect(wrongShop.status == 1)
            let forbidden = try await runBinary("crmctl", ["shop", "list"], environment: ["CRM_SERVER": "127.0.0.1:\(port)", "CRM_TOKEN": agentToken])
            #expect(forbidden.status == 1)
            #expect(forbidden.stderr.contains("-32003"))

            let tokens = try await runBinary("crmctl", ["token", "list", "--json"], environment: env)
            let agentID = try JSONParser.parse(tokens.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).arrayValue?.first { $0["role"] == "agent" }?["id"]
            let revoke = try await runBinary("crmctl", ["token", "revoke", agentID!.cellTextForTest], environment: env)
            #expect(revoke.status == 0)
            let afterRevoke = try await runBinary(
                "store-sync", ["check", "--shop", "sh01"], environment: ["CRM_SERVER": "127.0.0.1:\(port)", "CRM_TOKEN": agentToken])
            #expect(afterRevoke.status == 1)

            let stats = try await runBinary("crmctl", ["stats"], environment: env)
            #expect(stats.stdout.contains("shop.create"))

            let unreachable = try await runBinary("crmctl", ["health", "--server", "127.0.0.1:\(freePort())"])
            #expect(unreachable.status == 69)
        }
    }

    @Test("crmctl member and review commands read and change identities readably")
    func crmctlMembers() async throws {
        try await withTestDatabase { db in
            let port = freePort()
            let admin = AccessToken.generate()
            let crmd = try await startCRMD(arguments: ["--database-url", db.connectionString], environment: ["CRM_ADMIN_TOKEN": admin], port: port)
            defer { Task { await crmd.kill9() } }
            let client = try await RPCClient.connect(host: "127.0.0.1", port: port)
            _ = try await client.call("session.hello", ["token": .string(admin)])
            _ = try await client.call("shop.create", ["code": "sh01"])
            let r = try await client.push(
                "sh01",
                [
                    Events.upsert("a", "web", "w-1", ["name": "王小明", "phone": "138 0013 8000", "birthday": "1990-05-17", "address": "上海市浦东新区世纪大道100号"]),
                    Events.upsert("b", "mobile", "m-1", ["name": "王小明", "phone": "+86 13800138000"]),
                    Events.upsert("c", "group_buy", "g-1", ["name": "王小名", "birthday": "1990-05-17", "address": "上海市浦东新区世纪大道100号"]),
                ])
            await client.close()
            let env = ["CRM_SERVER": "127.0.0.1:\(port)", "CRM_TOKEN": admin]
            let get = try await runBinary("crmctl", ["member", "get", "--phone", "13800138000"], environment: env)
            #expect(get.status == 0, "\(get.stderr)")
            #expect(get.stdout.contains("王小明"))
            #expect(get.stdout.contains("w-1") && get.stdout.contains("m-1"))
            let find = try await runBinary("crmctl", ["member", "find", "小"], environment: env)
            #expect(find.stdout.split(separator: "\n").count == 4)  // header, rule, two members
            let reviews = try await runBinary("crmctl", ["review", "list"], environment: env)
            #expect(reviews.stdout.contains(r[2]["member_id"]!.stringValue!))
            let items = try await runBinary("crmctl", ["review", "list", "--json"], environment: env)
            let reviewID = try JSONParser.parse(items.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).arrayValue![0]["id"]!.cellTextForTest
            let decide = try await runBinary("crmctl", ["review", "decide", reviewID, "merge", "--reason", "typo"], environment: env)
            #expect(decide.stdout.contains("merged"))
            let history = try await runBinary("crmctl", ["member", "history", r[0]["member_id"]!.stringValue!], environment: env)
            #expect(history.stdout.contains("review"))
            let unmerge = try await runBinary(
                "crmctl", ["member", "unmerge", "--member", r[2]["member_id"]!.stringValue!, "--reason", "not the same"], environment: env)
            #expect(unmerge.status == 0, "\(unmerge.stderr)")
            let missing = try await runBinary("crmctl", ["member", "get", "999999"], environment: env)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("member_not_found"))
        }
    }

    @Test("store-sync pushes JSON lines in batches, writes bad lines to the rejects file, and resumes from its checkpoint")
    func storeSyncPush() async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            let setup = try await crmd.adminClient()
            let agent = try await setup.call("token.create", ["role": "agent", "shop": "sh01"])["token"]!.stringValue!
            await setup.close()
            try await withTemporaryDirectory { directory in
                var lines: [String] = []
                for i in 1...300 {
                    var member = Events.upsert("u-\(i)", "web", "u\(i)", ["name": .string("會員\(i)"), "phone": .string(String(format: "139%08d", i))])
                    if case .object(var o) = member { o["channel"] = nil; member = .object(o) }  // taken from --channel
                    lines.append(JSONSerializer.serialize(member))
                    lines.append(JSONSerializer.serialize(Events.paid("o-\(i)", "web", order: "N\(i)", member: "u\(i)", amount: "99.50")))
                }
                lines.insert("{not json", at: 10)  // line 11
                lines.insert(JSONSerializer.serialize(Events.upsert("bad", "web", "x", ["phone": "12"])), at: 20)  // line 21
                let source = directory + "/web.jsonl"
                try (lines.joined(separator: "\n") + "\n").write(toFile: source, atomically: true, encoding: .utf8)
                let env = crmd.clientEnvironment(token: agent)

                let first = try await runBinary(
                    "store-sync", ["push", "--shop", "sh01", "--channel", "web", "--source", source, "--batch-size", "50"], environment: env)
                #expect(first.status == 0, "\(first.stderr)")
                #expect(first.stdout.contains("lines=602 applied=600 duplicate=0 rejected=1 invalid=1"))
                let rejected = try String(contentsOfFile: source + ".rejects", encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
                #expect(rejected.map { $0["line"]! } == [11, 21])
                #expect(rejected[1]["error"]?["data"]?["field"] == "events[19].member.phone")  // its place in the push; line 11 was never sent

                // A second run resumes after the checkpoint: nothing is sent again.
                let again = try await runBinary("store-sync", ["push", "--shop", "sh01", "--source", source], environment: env)
                #expect(again.stdout.contains("lines=602 applied=600 duplicate=0"), "\(again.stdout)")
                // Without the checkpoint everything is resent, and crmd recognises every event.
                try FileManager.default.removeItem(atPath: source + ".checkpoint")
                let replay = try await runBinary("store-sync", ["push", "--shop", "sh01", "--channel", "web", "--source", source], environment: env)
                #expect(replay.stdout.contains("applied=0 duplicate=601"), "\(replay.stdout)")
                let orders = try db.withConnection { try $0.query("SELECT count(*), sum(amount_fen) FROM shop_order").single! }
                #expect(try orders.decode(Int.self, at: 0) == 300)
                #expect(try orders.decode(Int64.self, at: 1) == 300 * 9_950)
                // A real run's checkpoint lies beside the source: a dry run still checks every line.
                let dry = try await runBinary("store-sync", ["push", "--shop", "sh01", "--source", source, "--dry-run"], environment: [:])
                #expect(dry.status == 1)
                #expect(dry.stdout.contains("invalid=1"))
            }
        }
    }

    @Test("store-sync waits through a crmd crash and restart, then finishes with every event applied once")
    func storeSyncSurvivesRestart() async throws {
        try await withTestDatabase { db in
            let running = try await RunningCRMD.start(db)
            let crmd = running.process
            let (port, admin) = (running.port, running.adminToken)
            defer { Task { await crmd.kill9() } }
            try await withTemporaryDirectory { directory in
                let count = 6_000
                let lines = (1...count).map {
                    JSONSerializer.serialize(Events.paid("o-\($0)", "mobile", order: "N\($0)", member: "u\($0 % 500)", amount: "10"))
                }
                let source = directory + "/mobile.jsonl"
                try (lines.joined(separator: "\n") + "\n").write(toFile: source, atomically: true, encoding: .utf8)
                let agent = try SpawnedProcess(
                    Binaries.path("store-sync"), ["push", "--shop", "sh01", "--source", source, "--batch-size", "20", "--in-flight", "2"],
                    environment: ["CRM_SERVER": "127.0.0.1:\(port)", "CRM_TOKEN": admin])
                defer { Task { await agent.kill9() } }
                // Let part of the stream arrive, then crash crmd.
                var arrived = 0
                for _ in 0..<3_000 where arrived < 200 {
                    arrived = try await db.scalar("SELECT count(*) FROM shop_order")
                    if arrived < 200 { try await Task.sleep(nanoseconds: 10_000_000) }
                }
                crmd.signal(SIGKILL)
                _ = await crmd.wait(timeout: 10)
                await crmd.kill9()
                try await Task.sleep(nanoseconds: 1_000_000_000)
                let restarted = try await startCRMD(arguments: ["--database-url", db.connectionString], environment: [:], port: port)
                defer { Task { await restarted.kill9() } }
                #expect(await agent.wait(timeout: 120) == 0, "\(agent.log)")
                #expect(agent.log.contains("retrying"))
                let orders = try db.withConnection { try $0.query("SELECT count(*), count(DISTINCT order_no) FROM shop_order").single! }
                #expect(try orders.decode(Int.self, at: 0) == count)
                #expect(try orders.decode(Int.self, at: 1) == count)
                let events = try db.withConnection { try $0.query("SELECT count(*) FROM sync_event WHERE status = 'applied'").single!.decode(Int.self, at: 0) }
                #expect(events == count)
            }
        }
    }

    @Test("SIGTERM: a request in flight still gets its answer, then crmd exits cleanly")
    func gracefulShutdown() async throws {
        try await withTestDatabase { db in
            let port = freePort()
            let admin = AccessToken.generate()
            let crmd = try await startCRMD(arguments: ["--database-url", db.connectionString], environment: ["CRM_ADMIN_TOKEN": admin], port: port)
            defer { Task { await crmd.kill9() } }
            // Hold the shop table so shop.create blocks inside the server.
            let blocker = try PostgresConnection(configuration: db.configuration)
            defer { blocker.close() }
            try blocker.query("BEGIN")
            try blocker.query("LOCK TABLE shop IN EXCLUSIVE MODE")

            let c = try RawConnection(port: port)
            c.send(#"{"jsonrpc":"2.0","method":"session.hello","params":{"token":"\#(admin)"},"id":1}"# + "\n")
            #expect(await c.readJSON()?["result"]?["role"] == "admin")
            c.send(#"{"jsonrpc":"2.0","method":"shop.create","params":{"code":"late"},"id":2}"# + "\n")
            // Wait until the request is inside the database, blocked on the lock: truly in flight.
            var blocked = false
            for _ in 0..<3_000 where !blocked {
                blocked =
                    try await db.scalar(
                        """
                        SELECT count(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO shop%'
                        """) == 1
                if !blocked { try await Task.sleep(nanoseconds: 10_000_000) }
            }
            #expect(blocked)
            crmd.signal(SIGTERM)
            // No new connections once shutdown has begun.
            var refused = false
            for _ in 0..<3_000 where !refused {
                refused = (try? RawConnection(port: port)) == nil
                if !refused { try await Task.sleep(nanoseconds: 10_000_000) }
            }
            #expect(refused)
            #expect(await crmd.wait(timeout: 0.1) == nil, "crmd must wait for the request in flight")
            try blocker.query("COMMIT")
            let reply = await c.readJSON()
            #expect(reply?["id"] == 2, "\(crmd.log)")
            #expect(reply?["result"]?["code"] == "late")
            #expect(await c.isClosedByPeer())
            #expect(await crmd.wait(timeout: 20) == 0, "\(crmd.log)")
            let stored = try db.withConnection { try $0.query("SELECT count(*) FROM shop WHERE code = 'late'").single!.decode(Int.self, at: 0) }
            #expect(stored == 1)
        }
    }

    @Test("with no database named, crmd runs a private PostgreSQL, reuses it, and stops it on exit")
    func privateDatabase() async throws {
        let directory = NSTemporaryDirectory() + "crm-private-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let made = try await runBinary("crmd", ["token", "create", "--role", "admin", "--data-dir", directory])
        #expect(made.status == 0, "\(made.stderr)")
        let admin = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(admin.hasPrefix("crm_"))
        let cluster = try LocalCluster(directory: directory)
        #expect(cluster.isInitialized)
        #expect(!cluster.isRunning(), "crmd token create stops the cluster it started")

        for round in 1...2 {
            let port = freePort()
            let crmd = try await startCRMD(arguments: ["--data-dir", directory], environment: [:], port: port)
            defer { Task { await crmd.kill9() } }
            let env = ["CRM_SERVER": "127.0.0.1:\(port)", "CRM_TOKEN": admin]
            if round == 1 {
                let created = try await runBinary("crmctl", ["shop", "create", "sh01"], environment: env)
                #expect(created.status == 0, "\(created.stderr)")
            } else {
                // The second start reused the cluster: the shop is still there.
                let list = try await runBinary("crmctl", ["shop", "list", "--json"], environment: env)
                #expect(list.stdout.contains("\"sh01\""))
            }
            crmd.signal(SIGTERM)
            #expect(await crmd.wait(timeout: 60) == 0, "\(crmd.log)")
            #expect(!cluster.isRunning())
        }
    }
}

extension JSONValue {
    var cellTextForTest: String {
        switch self {
        case .number(let n): return n
        case .string(let s): return s
        default: return JSONSerializer.serialize(self)
        }
    }
}
