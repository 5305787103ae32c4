import CRMClient
import CRMJSON
import CRMProtocol
import Foundation
import Testing

/// `crmctl coupon …` and `points-expiry coupons` as an operator runs them, against a real server.
@Suite("coupons from the command line")
struct CouponProcessTests {
    @Test("crmctl adds a template, issues it to a segment resumably, shows the coupons and the 核銷率; points-expiry coupons expires")
    func operatorCommands() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let members = try await admin.members(7, prefix: "c", region: "杭州")
            _ = try await admin.call("segment.save", ["name": "杭州", "filter": ["region": ["杭州"]]])
            let env = ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": server.adminToken]
            func crmctl(_ args: [String]) async throws -> CommandOutput {
                let out = try await runBinary("crmctl", args, environment: env)
                #expect(out.status == 0, "\(args): \(out.stderr)")
                return out
            }
            let added = try await crmctl(["coupon", "template", "add", "滿100減3", "--amount", "3.00", "--min-spend", "100.00", "--budget", "100"])
            #expect(added.stdout.contains("template 滿100減3 version 1: ¥3.00 off from ¥100.00, 30 days, 1 per member"), "\(added.stdout)")
            let issued = try await crmctl(["coupon", "issue", "滿100減3", "--segment", "杭州", "--key", "w1", "--batch", "3"])
            #expect(issued.stdout.contains("7/7 members, 7 issued, 0 skipped"), "\(issued.stdout)")
            #expect(issued.stderr.contains("3/7 members, 3 issued"), "\(issued.stderr)")
            let again = try await crmctl(["coupon", "issue", "滿100減3", "--segment", "杭州", "--key", "w1", "--json"])
            #expect(try JSONParser.parse(again.stdout)["replayed"] == true)
            let listed = try await crmctl(["coupon", "list", members[0].stringValue!, "--json"])
            let code = try JSONParser.parse(listed.stdout)["coupons"]!.arrayValue![0]["code"]!.stringValue!
            let redeemed = try await crmctl(["coupon", "redeem", code, "--shop", "sh01", "--amount", "120.00", "--key", "pos-1"])
            #expect(redeemed.stdout.contains("¥3.00 off"), "\(redeemed.stdout)")
            let shown = try await crmctl(["coupon", "show", code])
            #expect(shown.stdout.contains("redeem"), "\(shown.stdout)")
            let stats = try await crmctl(["coupon", "stats"])
            #expect(stats.stdout.contains("14.29 %"), "\(stats.stdout)")
            let verify = try await crmctl(["verify"])
            #expect(verify.stdout.contains("coupons: issued 7; redeemed 1 + expired 0 + voided 0 + usable 6"), "\(verify.stdout)")
            let expiry = try await runBinary("points-expiry", ["coupons"], environment: env)
            #expect(expiry.status == 0, "\(expiry.stderr)")
            #expect(expiry.stderr.contains("0 coupons expired as of"), "\(expiry.stderr)")
        }
    }
    @Test("crmd killed (SIGKILL) in the middle of a segment run: the same command again finishes it, nobody gets two")
    func killedMidRun() async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            let admin = try await crmd.adminClient()
            _ = try await admin.members(3_000, prefix: "k", region: "杭州")
            _ = try await admin.call("segment.save", ["name": "杭州", "filter": ["region": ["杭州"]]])
            try await admin.template("T")
            await admin.close()
            let env = crmd.clientEnvironment(token: crmd.adminToken)
            let command = ["coupon", "issue", "T", "--segment", "杭州", "--key", "w1", "--batch", "20"]
            let first = try await crmd.killMidway(of: command, db: db, table: "coupon", when: "SELECT count(*) FROM coupon", reaches: 300)
            defer { Task { await first.kill9() } }
            #expect(await first.wait(timeout: 30) != 0, "\(first.log)")
            let atKill = try await db.scalar("SELECT count(*) FROM coupon")
            #expect(atKill < 3_000, "the run finished before the kill; the test proves less")
            // What committed agrees with the run's progress: whole batches, never half of one.
            #expect(try await db.scalar("SELECT issued FROM coupon_issue_run WHERE idempotency_key = 'w1'") == atKill)
            let restarted = try await startCRMD(arguments: ["--database-url", db.connectionString], environment: [:], port: crmd.port)
            defer { Task { await restarted.kill9() } }
            let again = try await runBinary("crmctl", command, environment: env)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("3000/3000 members, 3000 issued, 0 skipped"), "\(again.stdout)")
            #expect(try await db.scalar("SELECT count(*) FROM coupon") == 3_000)
            #expect(try await db.scalar("SELECT count(DISTINCT member_id) FROM coupon") == 3_000)
            let client = try await crmd.adminClient()
            #expect(try await client.failedChecks() == [])
            await client.close()
        }
    }
}
