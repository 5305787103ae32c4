import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import CRMStorage
import Foundation
import Testing

@Suite("points expiry over the real server")
struct ExpiryTests {
    @Test("rolling expiry: due lots expire once, a second run for the date expires nothing, members are warned before")
    func rolling() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await admin.paid("o1", order: "1", member: "u-1", amount: "100.00", at: When.at(days: -400))
            _ = try await admin.paid("o2", order: "2", member: "u-1", amount: "50.00", at: When.at(days: -340))
            // The lot past its date no longer counts even before the job runs.
            #expect(try await admin.points(m).balance == 50)
            let dry = try await admin.call("points.expire", ["as_of": .string(When.date(days: 0)), "dry_run": true])
            #expect(dry["points"] == 100)
            #expect(dry["run_id"] == .null)
            let first = try await admin.expireAll(asOf: When.date(days: 0))
            #expect(first.members == 1 && first.lots == 1 && first.points == 100)
            let second = try await admin.expireAll(asOf: When.date(days: 0))
            #expect(second.points == 0)
            // A day that has not begun would take points members still hold.
            let future = await rpcError { try await admin.call("points.expire", ["as_of": .string(When.date(days: 2))]) }
            #expect(future?.reason == "as_of_in_future")
            #expect(try await admin.points(m).balance == 50)
            let warned = try await admin.call("points.expiring", ["within_days": 60])["members"]!.arrayValue!
            #expect(warned.count == 1)
            #expect(warned.first?["expiring_points"] == 50)
            #expect(warned.first?["balance"] == 50)
            #expect(try await admin.call("points.expiring", ["within_days": 10])["members"]?.arrayValue?.isEmpty == true)
            // Analysts see the list masked.
            _ = try await admin.push("sh01", [Events.upsert("u1", "web", "u-1", ["name": "王小明", "phone": "138 0013 8000"])])
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            let masked = try await analyst.call("points.expiring", ["within_days": 60])["members"]!.arrayValue!
            #expect(masked.first?["phone"] == "138****8000")
            let history = try await admin.call("points.history", ["member_id": m])["entries"]!.arrayValue!
            #expect(history[0]["kind"] == "expire")
            #expect(history[0]["points"] == -100)
            #expect(history[0]["run_id"] != nil)
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("rounding to month end, and the yearly clearing of a share once per clearing date")
    func policies() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.call("config.set", ["name": "points", "value": ["expiry": ["policy": "rolling", "months": 12, "round": "month_end"]]])
            let m = try await admin.paid("o1", order: "1", member: "u-1", amount: "10.00", at: "2025-06-15T10:00:00+08:00")
            let expires = try server.database.withConnection {
                try $0.query("SELECT crm_rfc3339(expires_at) FROM points_lot WHERE member_id = $1", [.int(Int64(m.stringValue!)!)]).single!.decode(
                    String.self, at: 0)
            }
            #expect(expires == "2026-06-30T16:00:00.000Z")  // the end of June 2026 in +08:00

            _ = try await admin.call(
                "config.set", ["name": "points", "value": ["expiry": ["policy": "yearly_clearing", "month": 1, "day": 1, "share_percent": 30]]])
            let y = try await admin.paid("o2", order: "2", member: "u-2", amount: "1000.00", at: When.at(days: -2))
            _ = try await admin.adjust(y, 1, key: "odd")
            // A share that spans lots: 30 % of 10 + 10 + 100 = 36, the oldest lots first.
            let z = try await admin.paid("o3", order: "3", member: "u-3", amount: "10.00", at: When.at(days: -30))
            _ = try await admin.paid("o4", order: "4", member: "u-3", amount: "10.00", at: When.at(days: -20))
            _ = try await admin.paid("o5", order: "5", member: "u-3", amount: "100.00", at: When.at(days: -10))
            let first = try await admin.expireAll(asOf: When.date(days: 0), limit: 1)
            #expect(first.points == 300 + 36)  // 30 % of 1,001 and of 120, rounded down
            #expect(first.members == 2)
            #expect(try await admin.points(y).balance == 701)
            #expect(try await admin.points(z).lots.map { $0["remaining"]! } == [84])
            let again = try await admin.expireAll(asOf: When.date(days: 0))
            #expect(again.points == 0)
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("one run at a time; a run whose connection dies is taken over and finishes what it left")
    func guardedAndResumable() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            var events: [JSONValue] = []
            for i in 0..<30 { events.append(Events.paid("o\(i)", "web", order: "\(i)", member: "u-\(i)", amount: "10.00", at: When.at(days: -400))) }
            #expect(try await admin.push("sh01", events).allSatisfy { $0["status"] == "applied" })
            let today = When.date(days: 0)
            let a = try await server.adminClient()
            let firstBatch = try await a.call("points.expire", ["as_of": .string(today), "limit": 5])
            #expect(firstBatch["members"] == 5)
            #expect(firstBatch["done"] == false)
            let b = try await server.adminClient()
            let overlap = await rpcError { try await b.call("points.expire", ["as_of": .string(today)]) }
            #expect(overlap?.code == -32009)
            #expect(overlap?.reason == "job_running")
            // Another connection cannot continue a run it does not hold.
            let stolen = await rpcError { try await b.call("points.expire", ["as_of": .string(today), "run_id": firstBatch["run_id"]!]) }
            #expect(stolen?.reason == "run_not_running")
            // The job dies: its connection closes, and its run is abandoned.
            await a.close()
            var rest: (members: Int64, lots: Int64, points: Int64)? = nil
            for _ in 0..<100 {
                do {
                    rest = try await b.expireAll(asOf: today)
                    break
                } catch let e as RPCError where e.reason == "job_running" {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(rest?.members == 25)
            #expect(rest?.points == 250)
            #expect(try await b.expireAll(asOf: today).points == 0)
            let runs = try server.database.withConnection {
                try $0.query("SELECT status FROM job_run ORDER BY id").map { try $0.decode(String.self, at: 0) }
            }
            #expect(runs == ["abandoned", "finished", "finished"])
            #expect(try await admin.verify()["ok"] == true)
        }
    }
}

@Suite("the yearly clearing's share in whole points")
struct ClearingShareTests {
    @Test("the share of a balance rounds down, and a balance below zero gives nothing (the SQL the clearing runs)")
    func shareOfABalance() throws {
        let database = try TestDatabase.create(migrate: false)
        defer { database.drop() }
        func share(balance: Int64, sharePercent: Int64) throws -> Int64 {
            try database.withConnection { c in
                try c.query(
                    "SELECT (\(ClearingShare.sql(balance: "$1::bigint", percent: "$2::bigint")))::bigint",
                    [.int(balance), .int(sharePercent)]
                ).single!.decode(at: 0)
            }
        }
        #expect(try share(balance: 1001, sharePercent: 30) == 300)
        #expect(try share(balance: -5, sharePercent: 30) == 0)
    }

    @Test("30 % of lots 299 / 220 / 478 clears 299 points, oldest first, with no link row of zero points; a rerun clears nothing")
    func thirtyPercentOfThreeLots() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.call(
                "config.set", ["name": "points", "value": ["expiry": ["policy": "yearly_clearing", "month": 1, "day": 1, "share_percent": 30]]])
            let m = try await admin.paid("c1", order: "c1", member: "u-c", amount: "299.00", at: When.at(days: -30))
            _ = try await admin.paid("c2", order: "c2", member: "u-c", amount: "220.00", at: When.at(days: -20))
            _ = try await admin.paid("c3", order: "c3", member: "u-c", amount: "478.00", at: When.at(days: -10))
            let dry = try await admin.call("points.expire", ["as_of": .string(When.date(days: 0)), "dry_run": true])
            #expect(dry["points"] == 299)
            let cleared = try await admin.expireAll(asOf: When.date(days: 0))
            #expect(cleared.points == 299)  // ⌊997 × 30 / 100⌋
            #expect(cleared.members == 1 && cleared.lots == 1)
            #expect(try await admin.points(m).balance == 698)
            #expect(try await admin.points(m).lots.map { $0["remaining"]! } == [220, 478])
            let zeroLinks = try server.database.withConnection {
                try $0.query("SELECT count(*) FROM points_entry_lot WHERE points = 0").single!.decode(Int64.self, at: 0)
            }
            #expect(zeroLinks == 0)
            #expect(try await admin.expireAll(asOf: When.date(days: 0)).points == 0)
            #expect(try await admin.verify()["ok"] == true)
        }
    }
}

@Suite("an expiry run whose connection died while the database was away")
struct ExpiryDeadConnectionTests {
    /// The database "recovering": it takes no new connections and every other backend ends, so
    /// crmd's pool connections die under it and it cannot open new ones until `reopen`.
    static func closeDatabase(_ server: TestServer) throws {
        try setConnections(server, allowed: false)
        let c = try PostgresConnection(configuration: TestDatabase.serverConfiguration)
        defer { c.close() }
        _ = try c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [.text(server.database.name)])
    }

    static func setConnections(_ server: TestServer, allowed: Bool) throws {
        // From the server's default database: the test database may be refusing connections.
        let c = try PostgresConnection(configuration: TestDatabase.serverConfiguration)
        defer { c.close() }
        _ = try c.query("ALTER DATABASE \(server.database.name) ALLOW_CONNECTIONS \(allowed)")
    }

    /// Calls until the server stops answering "database unavailable" (its pool replacing the dead
    /// connections): every 100 ms for at most 30 s; any other error is thrown.
    static func callThroughRecovery<T>(_ call: () async throws -> T) async throws -> T {
        for _ in 0..<300 {
            do {
                return try await call()
            } catch let e as RPCError where e.retryable || e.reason == "database_unavailable" {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        return try await call()
    }

    @Test(
        "the run of a connection that closed while its abandon could not reach the database does not block a rerun, and run totals are what the database holds")
    func rerunStartsAtOnce() async throws {
        // Sessions re-check their token in the database every 30 s; on a loaded machine the test can
        // run that long, and server.stats would then meet the closed database: not what is tested.
        try await withTestServer({ $0.tokenRecheckSeconds = 3_600 }) { server in
            let admin = try await server.adminWithShops()
            var events: [JSONValue] = []
            for i in 0..<30 { events.append(Events.paid("o\(i)", "web", order: "\(i)", member: "u-\(i)", amount: "10.00", at: When.at(days: -400))) }
            #expect(try await admin.push("sh01", events).allSatisfy { $0["status"] == "applied" })
            let today = When.date(days: 0)
            let a = try await server.adminClient()
            let first = try await a.call("points.expire", ["as_of": .string(today), "limit": 5])
            #expect(first["run"]?["points"] == 50)
            // The database goes away under crmd just as the job's connection closes: abandoning its run fails.
            try Self.closeDatabase(server)
            await a.close()
            // crmd counts a connection closed once it has tried to abandon its runs: wait for that
            // (polling, bounded) before the database comes back.
            for _ in 0..<1_000 where try await admin.call("server.stats", [:])["connections"]?["open"] != 1 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(try await admin.call("server.stats", [:])["connections"]?["open"] == 1)
            try Self.setConnections(server, allowed: true)
            // The session's token is read from the database too: both wait for the pool to recover.
            let b = try await Self.callThroughRecovery { try await server.adminClient() }
            let second = try await Self.callThroughRecovery { try await b.call("points.expire", ["as_of": .string(today), "limit": 10]) }
            #expect(second["run_id"] != first["run_id"])
            var last = second
            while last["done"] != true {
                // Each of the pool's connections the database ended is found dead on its next use.
                last = try await Self.callThroughRecovery {
                    try await b.call("points.expire", ["as_of": .string(today), "limit": 10, "run_id": second["run_id"]!])
                }
            }
            let held = try server.database.withConnection {
                try $0.query(
                    "SELECT -sum(points)::bigint, count(DISTINCT member_id) FROM points_entry WHERE kind = 'expire' AND run_id = $1",
                    [.int(second["run_id"]!.int64Value!)]
                ).single!
            }
            #expect(last["run"]?["points"]?.int64Value == (try held.decode(Int64.self, at: 0)))
            #expect(last["run"]?["members"]?.int64Value == (try held.decode(Int64.self, at: 1)))
            #expect(last["run"]?["points"] == 250)
            #expect(try await Self.callThroughRecovery { try await admin.verify() }["ok"] == true)
        }
    }
}
