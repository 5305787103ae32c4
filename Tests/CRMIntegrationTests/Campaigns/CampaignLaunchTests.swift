import CRMClient
import CRMDomain
import CRMJSON
import CRMProtocol
import Foundation
import Testing

/// `campaign.create` and `campaign.launch` over the real server: arms, control group, waves,
/// consent, budget and the touch list.
@Suite("campaign launch")
struct CampaignLaunchTests {
    /// The plan `abParams` creates, as the domain sees it (for the assignment check).
    static let abPlan: CampaignPlan = {
        var p = CampaignPlan(variants: [
            .init(name: "coupon", action: .coupon(template: "T")), .init(name: "points", action: .points(50)),
            .init(name: "notice", action: .notice(message: "雙11感謝")),
        ])
        p.holdoutPercent = 20
        p.waves = .init(everyDays: 7, retouches: 2)
        return p
    }()

    static func abParams(_ name: String) -> JSONValue {
        [
            "name": .string(name), "segment": "杭州", "holdout_percent": 20, "waves": ["every_days": 7, "retouches": 2],
            "consent_channel": "sms",
            "variants": [
                ["name": "coupon", "action": ["kind": "coupon", "template": "T"]], ["name": "points", "action": ["kind": "points", "points": 50]],
                ["name": "notice", "action": ["kind": "notice", "message": "雙11感謝"]],
            ],
        ]
    }

    @Test("A/B variants each get their action, the control group gets nothing, arms are CampaignAssignment's and reproducible")
    func variantsAndControl() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let db = server.database
            let members = try await admin.members(200, prefix: "a", region: "杭州")
            try db.grantConsent(members)
            _ = try await admin.call("segment.save", ["name": "杭州", "filter": ["region": ["杭州"]]])
            try await admin.template("T")
            let created = try await admin.call("campaign.create", Self.abParams("ab"))["campaign"]!
            #expect(created["status"] == "draft")
            #expect(created["plan"]!["holdout_percent"] == 20)
            let (wave1, calls) = try await admin.launchWave("ab", limit: 30)
            #expect(calls == 7)
            #expect(wave1["occasion"] == 1 && wave1["total"] == 200 && wave1["finished"] == false)
            #expect(wave1["next_wave_at"]?.stringValue != nil)
            // Every member's arm is the one CampaignAssignment gives for the campaign's seed.
            let seed = Int64(try await db.scalar("SELECT seed FROM campaign WHERE name = 'ab'"))
            let arms = try db.strings(
                "SELECT member_id || ':' || arm FROM campaign_member WHERE campaign_id = (SELECT id FROM campaign WHERE name = 'ab') ORDER BY member_id")
            #expect(arms.count == 200)
            for row in arms {
                let parts = row.split(separator: ":")
                #expect(CampaignAssignment.arm(member: Int64(parts[0])!, seed: seed, plan: Self.abPlan) == String(parts[1]))
            }
            let control = arms.filter { $0.hasSuffix(":control") }.count
            #expect(control > 10 && control < 70, "about 20 % held out: \(control)")
            #expect(wave1["held_out"] == .int(Int64(control)) && wave1["touched"] == .int(Int64(200 - control)))
            // Each variant got its own action and only it; the control group nothing at all.
            let mix = try db.strings(
                """
                SELECT DISTINCT arm || ':' || status || ':' || (coupon_id IS NOT NULL) || (entry_id IS NOT NULL) || (notice_id IS NOT NULL)
                FROM campaign_touch WHERE campaign_id = (SELECT id FROM campaign WHERE name = 'ab') ORDER BY 1
                """)
            #expect(
                mix == [
                    "control:held_out:falsefalsefalse", "coupon:touched:truefalsefalse", "notice:touched:falsefalsetrue", "points:touched:falsetruefalse",
                ])
            try await Self.expectControlUntouched(db, "ab")
            #expect(
                try await db.scalar("SELECT count(*) FROM coupon WHERE source = 'campaign'")
                    == (try await db.scalar("SELECT count(*) FROM campaign_touch WHERE arm = 'coupon'")))
            // Reproducible: another campaign given the same seed splits the members the same way.
            _ = try await admin.call("campaign.create", Self.abParams("ab2"))
            _ = try db.withConnection { c in try c.query("UPDATE campaign SET seed = $1 WHERE name = 'ab2'", [.int(seed)]) }
            _ = try await admin.launchWave("ab2", limit: 500)
            let arms2 = try db.strings(
                "SELECT member_id || ':' || arm FROM campaign_member WHERE campaign_id = (SELECT id FROM campaign WHERE name = 'ab2') ORDER BY member_id")
            #expect(arms2 == arms)
            #expect(try await admin.failedChecks() == [])
        }
    }

    /// No control member of `campaign` was ever given anything: every touch of theirs is `held_out`
    /// (or `no_consent`) with nothing linked, and they hold no campaign coupon, gift or notice.
    static func expectControlUntouched(_ db: TestDatabase, _ campaign: String) async throws {
        let id = "(SELECT id FROM campaign WHERE name = '\(campaign)')"
        let control = "(SELECT member_id FROM campaign_member WHERE campaign_id = \(id) AND arm = 'control')"
        #expect(
            try await db.scalar(
                """
                SELECT count(*) FROM campaign_touch WHERE campaign_id = \(id) AND member_id IN \(control)
                AND (status NOT IN ('held_out', 'no_consent') OR coupon_id IS NOT NULL OR entry_id IS NOT NULL OR notice_id IS NOT NULL)
                """) == 0)
        #expect(try await db.scalar("SELECT count(*) FROM coupon WHERE source = 'campaign' AND member_id IN \(control)") == 0)
        #expect(try await db.scalar("SELECT count(*) FROM points_entry WHERE kind = 'gift' AND member_id IN \(control)") == 0)
        #expect(try await db.scalar("SELECT count(*) FROM member_notice WHERE kind = 'campaign' AND member_id IN \(control)") == 0)
    }

    @Test("waves: the next wave starts every_days later, over the members who have not responded, control held out again; at most 1 + retouches")
    func wavesTouchNonResponders() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let db = server.database
            let members = try await admin.members(120, prefix: "w", region: "杭州")
            try db.grantConsent(members)
            _ = try await admin.call("segment.save", ["name": "杭州", "filter": ["region": ["杭州"]]])
            try await admin.template("T")
            _ = try await admin.call("campaign.create", Self.abParams("waves"))
            let (wave1, _) = try await admin.launchWave("waves", limit: 50)
            #expect(wave1["occasion"] == 1 && wave1["done"] == true)
            // Not due yet: a call answers wave 1 again and starts nothing.
            let early = try await admin.call("campaign.launch", ["name": "waves"])
            #expect(early["occasion"] == 1 && early["finished"] == false)
            // A week on: members 0-29 bought (both arms), member 30's order was wholly refunded.
            try db.backdate(campaign: "waves", days: 8)
            let now = try db.strings("SELECT crm_rfc3339(now() - interval '1 hour')")[0]
            var events = (0..<31).map { i in Events.paid("o-e\(i)", "web", order: "o\(i)", member: "w-\(i)", amount: "99.00", at: now) }
            events.append(Events.refunded("r-e30", "web", order: "o30", refund: "r30", amount: "99.00"))
            #expect(try await admin.push("sh01", events).allSatisfy { $0["status"] == "applied" })
            let (wave2, _) = try await admin.launchWave("waves", limit: 25)
            #expect(wave2["occasion"] == 2 && wave2["total"] == 90)
            let responders = Set(members[0..<30].map { $0.stringValue! })
            let wave2Members = try db.strings("SELECT member_id::text FROM campaign_touch WHERE occasion = 2")
            #expect(wave2Members.count == 90)
            #expect(Set(wave2Members).isDisjoint(with: responders))
            #expect(Set(wave2Members).contains(members[30].stringValue!), "a wholly refunded order is no response")
            // Like with like: the control group's non-responders are recorded held out again.
            #expect(
                try await db.scalar(
                    "SELECT count(*) FROM campaign_touch t JOIN campaign_member m USING (campaign_id, member_id) WHERE t.occasion = 2 AND m.arm = 'control' AND t.status <> 'held_out'"
                ) == 0)
            try db.backdate(campaign: "waves", days: 8)
            let (wave3, _) = try await admin.launchWave("waves", limit: 1_000)
            #expect(wave3["occasion"] == 3 && wave3["finished"] == true && wave3["status"] == "done")
            try db.backdate(campaign: "waves", days: 8)
            let after = try await admin.call("campaign.launch", ["name": "waves"])
            #expect(after["occasion"] == 3 && after["finished"] == true)
            #expect(try await db.scalar("SELECT max(occasion) FROM campaign_occasion") == 3)
            try await Self.expectControlUntouched(db, "waves")
            let shown = try await admin.call("campaign.get", ["name": "waves"])
            #expect(shown["occasions"]?.arrayValue?.map { $0["total"]! } == [120, 90, 90])
        }
    }

    @Test("consent respected and counted in either arm; the budget of touches is never passed; the touch list is masked for analysts")
    func consentAndBudget() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let db = server.database
            let members = try await admin.members(80, prefix: "b", region: "杭州")
            let consenting = members.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
            try db.grantConsent(consenting)
            // Consent on another channel than the campaign's does not count.
            try db.grantConsent([members[1]], channel: "email")
            _ = try await admin.call("segment.save", ["name": "杭州", "filter": ["region": ["杭州"]]])
            _ = try await admin.call(
                "campaign.create",
                ["name": "budget", "segment": "杭州", "action": ["kind": "list"], "budget": 12, "consent_channel": "sms"])
            let (r, _) = try await admin.launchWave("budget", limit: 7)
            #expect(r["finished"] == true && r["no_consent"] == 40 && r["touched"] == 12)
            #expect(try await db.scalar("SELECT touched FROM campaign WHERE name = 'budget'") == 12)
            #expect(
                try await db.scalar(
                    "SELECT count(*) FROM campaign_touch WHERE status = 'touched' AND member_id NOT IN (SELECT member_id FROM marketing_consent WHERE channel = 'sms')"
                ) == 0)
            let noConsent = Set(try db.strings("SELECT member_id::text FROM campaign_touch WHERE status = 'no_consent'"))
            #expect(noConsent == Set(members.enumerated().filter { $0.offset % 2 == 1 }.map { $0.element.stringValue! }))
            let treated = try await db.scalar(
                "SELECT count(*) FROM campaign_touch t JOIN campaign_member m USING (campaign_id, member_id) WHERE m.arm <> 'control' AND t.status <> 'no_consent'"
            )
            #expect(r["budget"] == .int(Int64(treated - 12)))
            // Touch list: analysts see names masked; admins see them whole.
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            let page = try await analyst.call("campaign.touches", ["name": "budget", "status": "touched", "limit": 5])
            #expect(page["touches"]?.arrayValue?.count == 5 && page["next_cursor"]?.stringValue != nil)
            let maskedNames = page["touches"]!.arrayValue!.map { $0["name"]!.stringValue! }
            #expect(maskedNames.allSatisfy { !$0.hasPrefix("會員") || $0.contains("*") }, "\(maskedNames)")
            let rest = try await analyst.call("campaign.touches", ["name": "budget", "status": "touched", "cursor": page["next_cursor"]!])
            #expect(rest["touches"]?.arrayValue?.count == 7 && rest["next_cursor"] == .null)
            let whole = try await admin.call("campaign.touches", ["name": "budget", "status": "touched", "limit": 1])
            #expect(whole["touches"]!.arrayValue![0]["name"]!.stringValue!.hasPrefix("會員"))
            let refused = await rpcError { try await analyst.call("campaign.launch", ["name": "budget"]) }
            #expect(refused?.reason == .roleForbidden)
        }
    }

    @Test("create refuses a bad plan, an unknown segment or template, a taken name; stop ends a launch; concurrent launch calls touch nobody twice")
    func createStopAndConcurrency() async throws {
        try await withTestServer(poolSize: 6) { server in
            let admin = try await server.adminWithShops()
            let db = server.database
            let members = try await admin.members(300, prefix: "s", region: "杭州")
            try db.grantConsent(members)
            _ = try await admin.call("segment.save", ["name": "杭州", "filter": ["region": ["杭州"]]])
            let bad = await rpcError {
                try await admin.call("campaign.create", ["name": "x", "segment": "杭州", "action": ["kind": "list"], "holdout_percent": 95])
            }
            #expect(bad?.reason == .badCampaign && bad?.message.contains("holdout_percent") == true)
            let both = await rpcError { try await admin.call("campaign.create", ["name": "x", "segment": "杭州"]) }
            #expect(both?.reason == .badCampaign)
            let noSegment = await rpcError { try await admin.call("campaign.create", ["name": "x", "segment": "無", "action": ["kind": "list"]]) }
            #expect(noSegment?.reason == .segmentNotFound)
            let noTemplate = await rpcError {
                try await admin.call("campaign.create", ["name": "x", "segment": "杭州", "action": ["kind": "coupon", "template": "無"]])
            }
            #expect(noTemplate?.reason == .templateNotFound)
            // A standing campaign: stored with its trigger; launching only starts it.
            let standing = try await admin.call(
                "campaign.create", ["name": "沉默喚醒", "trigger": ["lifecycle": "silent"], "action": ["kind": "notice", "message": "好久不見"]])
            #expect(standing["campaign"]!["plan"]!["trigger"] == ["lifecycle": "silent"])
            let started = try await admin.call("campaign.launch", ["name": "沉默喚醒"])
            #expect(started["status"] == "running" && started["occasion"] == .null)
            // Its daily evaluation's occasions are not a launch's to go through.
            _ = try db.withConnection { c in
                try c.query("INSERT INTO campaign_occasion (campaign_id, occasion) SELECT id, 1 FROM campaign WHERE name = '沉默喚醒'")
            }
            let again = try await admin.call("campaign.launch", ["name": "沉默喚醒"])
            #expect(again["occasion"] == .null && again["finished"] == false)
            #expect(try await db.scalar("SELECT count(*) FROM campaign_touch") == 0)
            _ = try await admin.call("campaign.create", ["name": "c", "segment": "杭州", "action": ["kind": "list"]])
            let taken = await rpcError { try await admin.call("campaign.create", ["name": "c", "segment": "杭州", "action": ["kind": "list"]]) }
            #expect(taken?.reason == .campaignExists)
            // Four callers at once, each until done: every member is recorded exactly once.
            let port = server.port
            let token = server.adminToken
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let client = try await RPCClient.connect(host: "127.0.0.1", port: port)
                        _ = try await client.call("session.hello", ["token": .string(token), "client": "tests"])
                        _ = try await client.launchWave("c", limit: 13)
                        await client.close()
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await db.scalar("SELECT count(*) FROM campaign_touch WHERE campaign_id = (SELECT id FROM campaign WHERE name = 'c')") == 300)
            // Stop: a stopped campaign's launch answers finished and touches nobody.
            _ = try await admin.call("campaign.create", ["name": "d", "segment": "杭州", "action": ["kind": "list"]])
            _ = try await admin.call("campaign.launch", ["name": "d", "limit": 10])
            let stopped = try await admin.call("campaign.stop", ["name": "d"])
            #expect(stopped["campaign"]!["status"] == "stopped")
            let after = try await admin.call("campaign.launch", ["name": "d", "limit": 10])
            #expect(after["finished"] == true && after["status"] == "stopped")
            #expect(try await db.scalar("SELECT count(*) FROM campaign_touch WHERE campaign_id = (SELECT id FROM campaign WHERE name = 'd')") == 10)
            let listed = try await admin.call("campaign.list", ["status": "stopped"])
            #expect(listed["campaigns"]?.arrayValue?.map { $0["name"]! } == ["d"])
        }
    }
}
