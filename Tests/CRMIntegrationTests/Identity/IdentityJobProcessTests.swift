import CRMClient
import CRMJSON
import CRMProtocol
import Foundation
import Testing

/// `crmctl identity train|rescan` against a real crmd killed (SIGKILL) in the middle of a run.
@Suite("training and rescanning survive crmd killed mid-run")
struct IdentityJobProcessTests {
    @Test("crmd killed mid-training: the same command finishes the run, stores one model, with the parameters of an uninterrupted run")
    func trainKilled() async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            let admin = try await crmd.adminClient()
            _ = try await admin.call("shop.create", ["code": "sh02"])
            try await IdentityPeople.pushTrainingPeople(admin, count: 300)
            await admin.close()
            let env = crmd.clientEnvironment(token: crmd.adminToken)
            let command = ["identity", "train", "--seed", "42", "--pairs", "20000", "--sampled-accounts", "200", "--batch", "100"]
            let first = try await crmd.killMidway(
                of: command, db: db, table: "identity_job", when: "SELECT COALESCE(max(done_units), 0) FROM identity_job", reaches: 2_000)
            defer { Task { await first.kill9() } }
            #expect(await first.wait(timeout: 30) != 0, "\(first.log)")
            #expect(try await db.scalar("SELECT count(*) FROM identity_model") == 0, "the run finished before the kill; the test proves less")
            let atKill = try await db.scalar("SELECT done_units FROM identity_job")
            // What committed is whole batches: the cursor and the sample agree with the units done.
            let cursor = try await db.scalar("SELECT cursor FROM identity_job")
            #expect(atKill % 100 == 0 && atKill == cursor)
            let restarted = try await startCRMD(arguments: ["--database-url", db.connectionString], environment: [:], port: crmd.port)
            defer { Task { await restarted.kill9() } }
            let again = try await runBinary("crmctl", command, environment: env)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("model version 1 trained (seed 42)"), "\(again.stdout)")
            #expect(again.stderr.contains("random:") || again.stderr.contains("%"), "progress is shown: \(again.stderr)")
            #expect(try await db.scalar("SELECT count(*) FROM identity_model") == 1)
            // An uninterrupted run with the same seed: the same model.
            let whole = try await runBinary("crmctl", command.filter { $0 != "100" && $0 != "--batch" } + ["--batch", "5000"], environment: env)
            #expect(whole.stdout.contains("model version 2 trained (seed 42)"), "\(whole.stdout) \(whole.stderr)")
            #expect(
                try await db.scalar(
                    "SELECT count(*) FROM identity_model a JOIN identity_model b ON a.version = 1 AND b.version = 2 WHERE a.parameters = b.parameters") == 1)
            let shown = try await runBinary("crmctl", ["identity", "model"], environment: env)
            #expect(shown.stdout.contains("model version 2 (in force)") && shown.stdout.contains("day_month_swapped"), "\(shown.stdout)")
        }
    }

    @Test("crmd killed mid-rescan: the same command finishes it, merging each pair once; a second rescan changes nothing")
    func rescanKilled() async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            let admin = try await crmd.adminClient()
            _ = try await admin.call("shop.create", ["code": "sh02"])
            let people = 600
            try await IdentityPeople.push(admin, "sh01", (0..<people).map { Events.upsert("a\($0)", "web", "p\($0)", IdentityPeople.person($0)) })
            // Stored before their keys: the same people's second accounts never met the first ones.
            try db.withConnection { c in _ = try c.query("DELETE FROM blocking_key") }
            try await IdentityPeople.push(admin, "sh02", (0..<people).map { Events.upsert("b\($0)", "mobile", "p\($0)", IdentityPeople.person($0)) })
            await admin.close()
            #expect(try await db.scalar("SELECT count(*) FROM member WHERE merged_into IS NULL") == 2 * people)
            let queuedAtIngest = try await db.scalar("SELECT count(*) FROM review_item")
            let env = crmd.clientEnvironment(token: crmd.adminToken)
            let command = ["identity", "rescan", "--batch", "10"]
            let first = try await crmd.killMidway(
                of: command, db: db, table: "identity_job", when: "SELECT COALESCE(max(done_units), 0) FROM identity_job", reaches: 2 * people + 200)
            defer { Task { await first.kill9() } }
            #expect(await first.wait(timeout: 30) != 0, "\(first.log)")
            let merged = try await db.scalar("SELECT count(*) FROM merge_record")
            #expect(merged > 0 && merged < people, "killed in the scoring, after some merges and before the last")
            // Merges and the run's counts commit together.
            let counted = try await db.scalar("SELECT (state->>'merged')::int FROM identity_job")
            #expect(merged == counted)
            let restarted = try await startCRMD(arguments: ["--database-url", db.connectionString], environment: [:], port: crmd.port)
            defer { Task { await restarted.kill9() } }
            let again = try await runBinary("crmctl", command, environment: env)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("\(people) merged"), "\(again.stdout)")
            #expect(try await db.scalar("SELECT count(*) FROM member WHERE merged_into IS NULL") == people)
            #expect(try await db.scalar("SELECT count(*) FROM merge_record") == people)
            // Look-alike people queued by the batches before the kill and after it, each pair once.
            let items = try await db.scalar("SELECT count(*) FROM review_item")
            #expect(again.stdout.contains("\(items - queuedAtIngest) queued for review"), "\(again.stdout)")
            #expect(try await db.scalar("SELECT count(*) FROM (SELECT DISTINCT member_a, member_b FROM review_item) p") == items)
            let second = try await runBinary("crmctl", ["identity", "rescan", "--json"], environment: env)
            let r = try JSONParser.parse(second.stdout)
            #expect(r["merged"] == 0 && r["queued"] == 0 && r["keys_refreshed"] == 0 && r["scanned"] == .int(Int64(people)), "\(second.stdout)")
            #expect(try await db.scalar("SELECT count(*) FROM merge_record") == people)
            #expect(try await db.scalar("SELECT count(*) FROM review_item") == items)
            let client = try await crmd.adminClient()
            #expect(try await client.failedChecks() == [])
            await client.close()
        }
    }
}
