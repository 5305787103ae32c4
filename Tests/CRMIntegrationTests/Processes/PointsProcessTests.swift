import CRMClient
import CRMDomain
import CRMProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// points-expiry and crmctl as an operator runs them, against a crmd process.
@Suite("points-expiry and crmctl verify as processes")
struct PointsProcessTests {
    /// A crmd with `members` members, each with one lot that fell due 35 days ago (¥10 → 10 points)
    /// and one still valid (¥1 → 1 point).
    static func withDueLots(members: Int, _ body: (TestDatabase, RunningCRMD, [String: String]) async throws -> Void) async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            let admin = try await crmd.adminClient()
            var events: [JSONValue] = []
            for i in 0..<members {
                events.append(Events.paid("old-\(i)", "web", order: "old-\(i)", member: "u-\(i)", amount: "10.00", at: When.at(days: -400)))
                events.append(Events.paid("new-\(i)", "web", order: "new-\(i)", member: "u-\(i)", amount: "1.00", at: When.at(days: -10)))
            }
            for chunk in stride(from: 0, to: events.count, by: 1_000) {
                let results = try await admin.push("sh01", Array(events[chunk..<min(chunk + 1_000, events.count)]))
                precondition(results.allSatisfy { $0["status"] == "applied" }, "setup pushes apply")
            }
            await admin.close()
            try await body(db, crmd, ["CRM_SERVER": "127.0.0.1:\(crmd.port)", "CRM_TOKEN": crmd.adminToken])
        }
    }

    @Test("points-expiry killed with kill -9 mid-run and run again expires everything due exactly once")
    func killedJobResumes() async throws {
        try await Self.withDueLots(members: 3_000) { db, crmd, env in
            let today = When.date(days: 0)
            // Two members a batch: 1,500 committed batches, so the job is caught in the middle.
            let job = try SpawnedProcess(Binaries.path("points-expiry"), ["run", "--as-of", today, "--batch-size", "2"], environment: env)
            var expired: Int64 = 0
            for _ in 0..<12_000 {
                expired = try db.withConnection { try $0.query("SELECT COALESCE(sum(members), 0)::bigint FROM job_run").single!.decode(Int64.self, at: 0) }
                if expired >= 50 { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            await job.kill9()
            let afterKill = try db.withConnection { try $0.query("SELECT COALESCE(sum(members), 0)::bigint FROM job_run").single!.decode(Int64.self, at: 0) }
            #expect(expired >= 50)
            #expect(afterKill < 3_000, "the job finished before it could be killed")
            let rerun = try await runBinary("points-expiry", ["run", "--as-of", today, "--batch-size", "500"], environment: env)
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(rerun.stdout.contains("levels:") || rerun.stderr.contains("levels:"))
            let totals = try db.withConnection {
                try $0.query("SELECT count(*), COALESCE(-sum(points), 0)::bigint, count(DISTINCT member_id) FROM points_entry WHERE kind = 'expire'").single!
            }
            #expect(try totals.decode(Int64.self, at: 1) == 30_000)
            #expect(try totals.decode(Int64.self, at: 2) == 3_000)
            // The rerun's summary is its run's totals as the server recorded them.
            let summary = try #require(rerun.stdout.split(separator: "\n").first { $0.hasPrefix("expired ") })
            let run = try #require(Int64(summary.split(separator: "(run ").last?.dropLast() ?? ""))
            let recorded = try db.withConnection {
                try $0.query(
                    "SELECT -sum(l.points)::bigint, count(*), count(DISTINCT e.member_id) FROM points_entry e JOIN points_entry_lot l ON l.entry_id = e.id WHERE e.run_id = $1",
                    [.int(run)]
                ).single!
            }
            #expect(
                summary.hasPrefix(
                    "expired \(try recorded.decode(Int64.self, at: 0)) points from \(try recorded.decode(Int64.self, at: 1)) lots of \(try recorded.decode(Int64.self, at: 2)) members"
                ),
                "\(summary)")
            let again = try await runBinary("points-expiry", ["run", "--as-of", today, "--skip-levels"], environment: env)
            #expect(again.status == 0)
            #expect((again.stdout + again.stderr).contains("expired 0 points"))
            let verify = try await runBinary("crmctl", ["verify"], environment: env)
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

            // The warning list: every member has 1 point expiring in about 355 days.
            try await withTemporaryDirectory { directory in
                let out = directory + "/expiring.csv"
                let warn = try await runBinary("points-expiry", ["warn", "--within", "400d", "--out", out], environment: env)
                #expect(warn.status == 0, "\(warn.stderr)")
                let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
                #expect(lines.count == 3_001)
                #expect(lines.first?.hasPrefix("member_id,") == true)
            }
            _ = crmd
        }
    }

    @Test("crmctl verify exits non-zero and names the violation when the ledger is corrupted")
    func verifyFails() async throws {
        try await Self.withDueLots(members: 3) { db, _, env in
            let clean = try await runBinary("crmctl", ["verify"], environment: env)
            #expect(clean.status == 0)
            try db.withConnection {
                _ = try $0.query("UPDATE points_lot SET remaining = remaining - 5 WHERE id = (SELECT min(id) FROM points_lot WHERE remaining >= 5)")
            }
            let broken = try await runBinary("crmctl", ["verify"], environment: env)
            #expect(broken.status != 0)
            #expect(broken.stderr.contains("lot_matches_entries"))
        }
    }

    @Test("crmctl points, level and referral commands: what an operator reads and does")
    func operatorCommands() async throws {
        try await Self.withDueLots(members: 2) { _, crmd, env in
            let admin = try await crmd.adminClient()
            let member = try await admin.member(["shop": "sh01", "channel": "web", "external_id": "u-0"])["member_id"]!.stringValue!
            await admin.close()
            let get = try await runBinary("crmctl", ["points", "get", member], environment: env)
            #expect(get.status == 0, "\(get.stderr)")
            #expect(get.stdout.contains("balance"))
            let redeem = try await runBinary("crmctl", ["points", "redeem", member, "1", "--key", "cli-1", "--reason", "gift"], environment: env)
            #expect(redeem.status == 0, "\(redeem.stderr)")
            let again = try await runBinary("crmctl", ["points", "redeem", member, "2", "--key", "cli-1", "--reason", "gift"], environment: env)
            #expect(again.status == 1)
            #expect(again.stderr.contains("idempotency_key_reused"))
            let adjust = try await runBinary("crmctl", ["points", "adjust", member, "--points", "5", "--key", "cli-2", "--reason", "fix"], environment: env)
            #expect(adjust.status == 0, "\(adjust.stderr)")
            let history = try await runBinary("crmctl", ["points", "history", member], environment: env)
            #expect(history.stdout.contains("spend"))
            #expect(history.stdout.contains("gift"))
            let level = try await runBinary("crmctl", ["level", "get", member], environment: env)
            #expect(level.stdout.contains("普通會員"))
            let link = try await runBinary("crmctl", ["referral", "link", member, "--json"], environment: env)
            #expect(link.status == 0, "\(link.stderr)")
            let code = try JSONParser.parse(link.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["code"]!.stringValue!
            let other = try await runBinary(
                "crmctl", ["member", "get", "--shop", "sh01", "--channel", "web", "--external-id", "u-1", "--json"], environment: env)
            let otherID = try JSONParser.parse(other.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["member_id"]!.stringValue!
            let bind = try await runBinary("crmctl", ["referral", "bind", otherID, code, "--reason", "till"], environment: env)
            #expect(bind.status == 0, "\(bind.stderr)")
            let referral = try await runBinary("crmctl", ["referral", "get", member], environment: env)
            #expect(referral.stdout.contains(otherID))
            let stats = try await runBinary("crmctl", ["referral", "stats"], environment: env)
            #expect(stats.stdout.contains("bindings"))
        }
    }
}
