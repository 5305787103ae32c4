import CRMClient
import CRMDomain
import CRMProtocol
import Foundation
import Testing

/// points-expiry campaigns as the nightly job runs it, against a crmd process.
@Suite("points-expiry campaigns as a process")
struct StandingCampaignProcessTests {
    @Test("points-expiry campaigns touches today's entries once; a rerun the same day touches nobody")
    func campaignsSubcommand() async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            let admin = try await crmd.adminClient()
            let today = When.date(days: 0)
            let birthday = "1990" + today.dropFirst(4)
            let pushed = try await admin.push(
                "sh01",
                [
                    Events.upsert("e1", "web", "u-1", ["birthday": .string(birthday)]), Events.upsert("e2", "web", "u-2", ["birthday": .string(birthday)]),
                    Events.upsert("e3", "web", "u-3"),
                ])
            _ = try await admin.call("consent.set", ["member_id": pushed[0]["member_id"]!, "channel": "sms", "granted": true, "source": "test"])
            await admin.close()
            var plan = CampaignPlan(variants: [.init(name: "wish", action: .notice(message: "生日快樂"))])
            plan.holdoutPercent = 0
            plan.trigger = .birthdayMonth
            try db.addStandingCampaign("生日祝福", plan: plan, seed: 5, startedAt: When.at(days: -1))
            let env = ["CRM_SERVER": "127.0.0.1:\(crmd.port)", "CRM_TOKEN": crmd.adminToken]

            let first = try await runBinary("points-expiry", ["campaigns", "--batch", "1"], environment: env)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(
                first.stderr.contains("campaign 生日祝福 \(today) (occasion 1): 2 entries among 3 members: 1 touched, 0 held out, 1 without consent"),
                "\(first.stderr)")
            #expect(first.stderr.contains("campaigns \(today): 1 standing campaigns evaluated"), "\(first.stderr)")
            let again = try await runBinary("points-expiry", ["campaigns"], environment: env)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stderr.contains("campaigns \(today): 0 standing campaigns evaluated"), "\(again.stderr)")
            #expect(try db.texts("SELECT count(*)::text FROM member_notice WHERE kind = 'campaign'") == ["1"])
            #expect(try db.touches("生日祝福").count == 2)
        }
    }
}
