import CRMClient
import CRMJSON
import CRMProtocol
import Foundation
import Testing

/// `crmctl campaign …` as an operator runs it, against a real server, and a launch that survives
/// crmd being killed.
@Suite("campaigns from the command line")
struct CampaignProcessTests {
    @Test("crmctl creates, launches with progress, lists, shows, exports the touch list (0600, masked for analysts) and stops")
    func operatorCommands() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let members = try await admin.members(40, prefix: "p", region: "杭州")
            try server.database.grantConsent(members)
            _ = try await admin.call("segment.save", ["name": "杭州", "filter": ["region": ["杭州"]]])
            try await admin.template("T")
            let env = ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": server.adminToken]
            func crmctl(_ args: [String], token: String? = nil) async throws -> CommandOutput {
                var e = env
                if let token { e["CRM_TOKEN"] = token }
                let out = try await runBinary("crmctl", args, environment: e)
                #expect(out.status == 0, "\(args): \(out.stderr)")
                return out
            }
            let created = try await crmctl([
                "campaign", "create", "雙11回購", "--segment", "杭州", "--variant", "a:coupon:T", "--variant", "b:notice:感謝您", "--holdout", "25",
                "--every-days", "10", "--retouches", "4",
            ])
            #expect(created.stdout.contains("campaign 雙11回購 created (draft): arms a, b and control (25 %)"), "\(created.stdout)")
            let launched = try await crmctl(["campaign", "launch", "雙11回購", "--batch", "7"])
            #expect(launched.stdout.contains("wave 1: "), "\(launched.stdout)")
            #expect(launched.stdout.contains("of 40 members; next wave from "), "\(launched.stdout)")
            let listed = try await crmctl(["campaign", "list"])
            #expect(listed.stdout.contains("雙11回購") && listed.stdout.contains("running"), "\(listed.stdout)")
            let shown = try await crmctl(["campaign", "show", "雙11回購"])
            #expect(shown.stdout.contains("40 members") && shown.stdout.contains("held out"), "\(shown.stdout)")
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("campaign-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let csv = dir + "/touches.csv"
            let exported = try await crmctl(["campaign", "touches", "雙11回購", "--out", csv])
            #expect(exported.stdout.contains("wrote 40 touches"), "\(exported.stdout)")
            let attributes = try FileManager.default.attributesOfItem(atPath: csv)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let text = try String(contentsOfFile: csv, encoding: .utf8)
            #expect(text.hasPrefix("occasion,member_id,arm,status,at,coupon,notice_id,name,phone,email\n"))
            #expect(text.contains("會員0"))
            let analystCSV = dir + "/analyst.csv"
            _ = try await crmctl(["campaign", "touches", "雙11回購", "--out", analystCSV], token: try await server.token(role: .analyst))
            let masked = try String(contentsOfFile: analystCSV, encoding: .utf8)
            #expect(masked.split(separator: "\n").count == 41 && !masked.contains("會員0,"), "\(masked.prefix(300))")
            let stopped = try await crmctl(["campaign", "stop", "雙11回購"])
            #expect(stopped.stdout.contains("stopped"), "\(stopped.stdout)")
        }
    }

    @Test("crmd killed (SIGKILL) in the middle of a launch: the same command again finishes it, every member recorded and given exactly once")
    func killedMidLaunch() async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            let admin = try await crmd.adminClient()
            let members = try await admin.members(3_000, prefix: "k", region: "杭州")
            try db.grantConsent(members)
            _ = try await admin.call("segment.save", ["name": "杭州", "filter": ["region": ["杭州"]]])
            try await admin.template("T")
            _ = try await admin.call("campaign.create", ["name": "k", "segment": "杭州", "action": ["kind": "coupon", "template": "T"]])
            await admin.close()
            let env = crmd.clientEnvironment(token: crmd.adminToken)
            let command = ["campaign", "launch", "k", "--batch", "20"]
            let first = try await crmd.killMidway(of: command, db: db, table: "campaign_touch", when: "SELECT count(*) FROM campaign_touch", reaches: 300)
            defer { Task { await first.kill9() } }
            #expect(await first.wait(timeout: 30) != 0, "\(first.log)")
            let atKill = try await db.scalar("SELECT count(*) FROM campaign_touch")
            #expect(atKill < 3_000, "the launch finished before the kill; the test proves less")
            // What committed agrees with the wave's progress: whole batches, never half of one.
            #expect(try await db.scalar("SELECT touched + held_out + no_consent + budget + refused FROM campaign_occasion") == atKill)
            #expect(try await db.scalar("SELECT count(*) FROM coupon") == (try await db.scalar("SELECT count(*) FROM campaign_touch WHERE status = 'touched'")))
            let restarted = try await startCRMD(arguments: ["--database-url", db.connectionString], environment: [:], port: crmd.port)
            defer { Task { await restarted.kill9() } }
            let again = try await runBinary("crmctl", command, environment: env)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("of 3000 members; done"), "\(again.stdout)")
            #expect(try await db.scalar("SELECT count(*) FROM campaign_touch") == 3_000)
            #expect(try await db.scalar("SELECT count(DISTINCT member_id) FROM campaign_touch") == 3_000)
            let touched = try await db.scalar("SELECT count(*) FROM campaign_touch WHERE status = 'touched'")
            #expect(try await db.scalar("SELECT count(*) FROM coupon") == touched)
            #expect(try await db.scalar("SELECT count(DISTINCT member_id) FROM coupon") == touched)
            #expect(try await db.scalar("SELECT count(*) FROM campaign_touch WHERE status = 'touched' AND coupon_id IS NULL") == 0)
            let client = try await crmd.adminClient()
            #expect(try await client.failedChecks() == [])
            await client.close()
        }
    }
}
