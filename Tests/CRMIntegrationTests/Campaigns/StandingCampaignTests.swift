import CRMClient
import CRMDomain
import CRMProtocol
import Foundation
import Testing

@Suite("standing campaigns over the real server")
struct StandingCampaignTests {
    /// Day `n` after `t0` (the first purchases): RFC 3339, and the merchant's date (+08:00).
    struct Timeline {
        let t0 = Date().addingTimeInterval(-400 * 86_400)
        func at(_ n: Double) -> String {
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime]
            return f.string(from: t0.addingTimeInterval(n * 86_400))
        }
        func date(_ n: Double) -> String {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
            f.dateFormat = "yyyy-MM-dd"
            return f.string(from: t0.addingTimeInterval(n * 86_400))
        }
    }

    /// A seed whose assignment puts some of `group` in the control group and some not, and `treated` not.
    static func seed(plan: CampaignPlan, group: [Int64], treated: Int64) -> Int64 {
        for seed in Int64(1)...10_000 {
            let arms = group.map { CampaignAssignment.arm(member: $0, seed: seed, plan: plan) }
            if arms.contains(CampaignPlan.control), arms.contains(where: { $0 != CampaignPlan.control }),
                CampaignAssignment.arm(member: treated, seed: seed, plan: plan) != CampaignPlan.control
            {
                return seed
            }
        }
        preconditionFailure("no seed splits the group")
    }

    @Test("lifecycle triggers: one touch per entry over many days, again after buying and going silent again; control held out; consent respected")
    func lifecycleEntries() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let t = Timeline()
            // a1…a6 bought on day 0 only; b bought on day 0 and again on day 120; d bought 100 days
            // before (silent before the campaigns started); e like a1 but without marketing consent.
            let names = ["a1", "a2", "a3", "a4", "a5", "a6", "b", "d", "e"]
            var events = names.enumerated().map { Events.upsert("u\($0.offset)", "web", $0.element, at: t.at(-200)) }
            events += names.filter { $0 != "d" }.map { Events.paid("p-\($0)", "web", order: "o-\($0)", member: $0, amount: "100.00", at: t.at(0)) }
            events.append(Events.paid("p-b2", "web", order: "o-b2", member: "b", amount: "80.00", at: t.at(120)))
            events.append(Events.paid("p-d", "web", order: "o-d", member: "d", amount: "90.00", at: t.at(-100)))
            let results = try await admin.push("sh01", events)
            #expect(results.allSatisfy { $0["status"] == "applied" })
            var id: [String: Int64] = [:]
            for (i, n) in names.enumerated() { id[n] = Int64(results[i]["member_id"]!.stringValue!)! }
            for n in names where n != "e" {
                _ = try await admin.call("consent.set", ["member_id": .string(String(id[n]!)), "channel": "sms", "granted": true, "source": "test"])
            }
            var silent = CampaignPlan(variants: [.init(name: "nudge", action: .notice(message: "好久不見"))])
            silent.holdoutPercent = 50
            silent.trigger = .lifecycle(.silent)
            let group = ["a1", "a2", "a3", "a4", "a5", "a6"].map { id[$0]! }
            let seed = Self.seed(plan: silent, group: group, treated: id["b"]!)
            try server.database.addStandingCampaign("沉默喚醒", plan: silent, seed: seed, startedAt: t.at(-1))
            var active = CampaignPlan(variants: [.init(name: "list", action: .list)])
            active.holdoutPercent = 0
            active.trigger = .lifecycle(.active)
            try server.database.addStandingCampaign("活躍名單", plan: active, seed: 7, startedAt: t.at(-1))

            // Evaluated on these days (any order would do; a day may be evaluated again).
            var days: [Double: StandingRun.Day] = [:]
            for n in [5.0, 40, 95, 100, 125, 150, 215, 216] { days[n] = try await StandingRun.evaluate(admin, asOf: t.date(n)) }
            #expect(try await StandingRun.evaluate(admin, asOf: t.date(95), limit: 2).touched.values.reduce(0, +) == 0)

            let arm = { (n: String) in CampaignAssignment.arm(member: id[n]!, seed: seed, plan: silent) }
            func expected(_ n: String) -> String { n == "e" ? "no_consent" : arm(n) == CampaignPlan.control ? "held_out" : "touched" }
            // Silent: a1…a6 and e enter on day 90 (touched on day 95, then left alone while silent), b on
            // day 90 and again on day 210 (after buying on day 120); d was silent before the campaign started.
            let first = ["a1", "a2", "a3", "a4", "a5", "a6", "b", "e"].map { "\(id[$0]!):\(expected($0)):silent:\(t.date(0))" }
            let again = "\(id["b"]!):\(expected("b")):silent:\(t.date(120))"
            #expect(try server.database.touches("沉默喚醒").sorted() == (first + [again]).sorted())
            #expect(days[100]!.already["沉默喚醒"] == 8)
            #expect(days[216]!.touched["沉默喚醒"] ?? 0 == 0)
            let treated = names.filter { $0 != "e" && $0 != "d" && arm($0) != CampaignPlan.control }
            let notices = try server.database.texts(
                "SELECT member_id::text FROM member_notice WHERE kind = 'campaign' AND body->>'campaign' = '沉默喚醒' ORDER BY id")
            #expect(notices.sorted() == (treated.map { String(id[$0]!) } + [String(id["b"]!)]).sorted())
            #expect(
                days[95]!.heldOut["沉默喚醒"] == Int64(group.filter { CampaignAssignment.arm(member: $0, seed: seed, plan: silent) == CampaignPlan.control }.count))
            #expect(days[95]!.noConsent["沉默喚醒"] == 1)

            // Active: everyone who bought on day 0 enters on day 30 (evaluated on day 40); b comes back on day 120.
            let activeFirst = ["a1", "a2", "a3", "a4", "a5", "a6", "b", "e"].map { "\(id[$0]!):\($0 == "e" ? "no_consent" : "touched"):active:\(t.date(0))" }
            #expect(try server.database.touches("活躍名單").sorted() == (activeFirst + ["\(id["b"]!):touched:active:\(t.date(120))"]).sorted())

            // One occasion per evaluated day, whatever the reruns and batch sizes.
            let occasions = try server.database.texts(
                "SELECT count(*)::text FROM campaign_occasion o JOIN campaign c ON c.id = o.campaign_id WHERE c.name = '沉默喚醒'")
            #expect(occasions == ["8"])
            let future = await rpcError { try await admin.call("campaign.evaluate", ["as_of": .string(When.date(days: 2))]) }
            #expect(future?.reason == "as_of_in_future")
        }
    }

    @Test("birthday month: once a year, in the birthday month only; a saved segment further filters")
    func birthdayMonth() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let t = Timeline()
            let month = t.date(-400).dropFirst(5).prefix(2)
            let otherMonth = month == "12" ? "01" : "12"
            let results = try await admin.push(
                "sh01",
                [
                    Events.upsert("e1", "web", "u-1", ["birthday": .string("1990-\(month)-15")], at: t.at(-500)),
                    Events.upsert("e2", "web", "u-2", ["birthday": .string("1991-\(month)-01"), "name": "有訂單"], at: t.at(-500)),
                    Events.upsert("e3", "web", "u-3", ["birthday": .string("1992-\(otherMonth)-01")], at: t.at(-500)),
                    Events.upsert("e4", "web", "u-4", at: t.at(-500)),
                    Events.paid("p2", "web", order: "o2", member: "u-2", amount: "50.00", at: t.at(-450)),
                ])
            #expect(results.allSatisfy { $0["status"] == "applied" })
            let ids = results.prefix(4).map { Int64($0["member_id"]!.stringValue!)! }
            for m in ids {
                _ = try await admin.call("consent.set", ["member_id": .string(String(m)), "channel": "wechat", "granted": true, "source": "test"])
            }
            var plan = CampaignPlan(variants: [.init(name: "gift", action: .points(88))])
            plan.holdoutPercent = 0
            plan.trigger = .birthdayMonth
            try server.database.addStandingCampaign("生日月", plan: plan, seed: 1, startedAt: t.at(-600))
            _ = try await admin.call("segment.save", ["name": "買過", "filter": ["purchases": ["min": 1]]])
            try server.database.addStandingCampaign("生日月買過", plan: plan, seed: 1, startedAt: t.at(-600), segment: "買過")

            let start = t.date(-400).prefix(8) + "01"  // the first of the birthday month, 400 days ago
            _ = try await StandingRun.evaluate(admin, asOf: String(start))
            _ = try await StandingRun.evaluate(admin, asOf: String(start.prefix(8) + "20"))
            let year = String(start.prefix(4))
            #expect(try server.database.touches("生日月") == ["\(ids[0]):touched:birthday:\(year)", "\(ids[1]):touched:birthday:\(year)"])
            #expect(try server.database.touches("生日月買過") == ["\(ids[1]):touched:birthday:\(year)"])
            // The next year's month: again.
            let nextYear = "\(Int(year)! + 1)" + start.dropFirst(4)
            let day = try await StandingRun.evaluate(admin, asOf: String(nextYear), limit: 1)
            #expect(day.touched["生日月"] == 2)
            #expect(day.batches >= 4)
            #expect(try server.database.touches("生日月").count == 4)
            #expect(try await admin.points(.string(String(ids[0]))).balance == 176)
            #expect(try await admin.points(.string(String(ids[2]))).balance == 0)
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("the budget goes to new entries: members touched before take no share; a campaign whose segment is gone is passed over")
    func budgetAndProblems() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let t = Timeline()
            // a1…a3 enter silent on day 90, f (a later id) on day 100.
            let names = ["a1", "a2", "a3", "f"]
            var events = names.enumerated().map { Events.upsert("u\($0.offset)", "web", $0.element, at: t.at(-200)) }
            events += names.map { Events.paid("p-\($0)", "web", order: "o-\($0)", member: $0, amount: "100.00", at: t.at($0 == "f" ? 10 : 0)) }
            let results = try await admin.push("sh01", events)
            let ids = results.prefix(4).map { Int64($0["member_id"]!.stringValue!)! }
            for m in ids {
                _ = try await admin.call("consent.set", ["member_id": .string(String(m)), "channel": "sms", "granted": true, "source": "test"])
            }
            var plan = CampaignPlan(variants: [.init(name: "list", action: .list)])
            plan.holdoutPercent = 0
            plan.budget = 4
            plan.trigger = .lifecycle(.silent)
            try server.database.addStandingCampaign("四人為限", plan: plan, seed: 3, startedAt: t.at(-1))
            try server.database.addStandingCampaign("無分群", plan: plan, seed: 3, startedAt: t.at(-1), segment: "不存在")

            // A day before the campaigns started: nothing to evaluate, no occasion made.
            #expect(try await StandingRun.evaluate(admin, asOf: t.date(-3)).batches == 1)
            #expect(try server.database.texts("SELECT count(*)::text FROM campaign_occasion") == ["0"])
            let first = try await StandingRun.evaluate(admin, asOf: t.date(95))
            #expect(first.touched["四人為限"] == 3)
            // Day 105: a1…a3 (recorded before) come first in the batch; f still gets the last touch.
            let second = try await StandingRun.evaluate(admin, asOf: t.date(105))
            #expect((second.touched["四人為限"], second.already["四人為限"]) == (1, 3))
            #expect(try server.database.touches("四人為限").filter { $0.contains(":touched:") }.count == 4)
            #expect(try server.database.texts("SELECT touched::text FROM campaign WHERE name = '四人為限'") == ["4"])
            // The campaign without its segment: passed over each day, with the reason, touching nobody.
            let answer = try await admin.call("campaign.evaluate", ["as_of": .string(t.date(106))])
            #expect(answer["campaign"] == "四人為限")
            let passed = try await admin.call("campaign.evaluate", ["as_of": .string(t.date(106))])
            #expect(passed["campaign"] == "無分群")
            #expect(passed["problem"]?.stringValue?.contains("segment 不存在 no longer exists") == true)
            #expect(try await admin.call("campaign.evaluate", ["as_of": .string(t.date(106))])["done"] == true)
            #expect(try server.database.touches("無分群") == [])
        }
    }

    @Test("concurrent evaluations of the same day touch each entry once")
    func concurrentEvaluations() async throws {
        try await withTestServer(poolSize: 6) { server in
            let admin = try await server.adminWithShops()
            let t = Timeline()
            let names = (1...30).map { "c\($0)" }
            var events = names.enumerated().map { Events.upsert("u\($0.offset)", "web", $0.element, at: t.at(-200)) }
            events += names.map { Events.paid("p-\($0)", "web", order: "o-\($0)", member: $0, amount: "100.00", at: t.at(0)) }
            let results = try await admin.push("sh01", events)
            for r in results.prefix(30) {
                _ = try await admin.call("consent.set", ["member_id": r["member_id"]!, "channel": "sms", "granted": true, "source": "test"])
            }
            var plan = CampaignPlan(variants: [.init(name: "pts", action: .points(10))])
            plan.trigger = .lifecycle(.silent)
            try server.database.addStandingCampaign("並行", plan: plan, seed: 11, startedAt: t.at(-1))
            let clients = [admin, try await server.adminClient(), try await server.adminClient()]
            let days = try await withThrowingTaskGroup(of: StandingRun.Day.self) { group in
                for c in clients { group.addTask { try await StandingRun.evaluate(c, asOf: t.date(95), limit: 3) } }
                return try await group.reduce(into: [StandingRun.Day]()) { $0.append($1) }
            }
            let touched = days.map { ($0.touched["並行"] ?? 0) + ($0.heldOut["並行"] ?? 0) }.reduce(0, +)
            #expect(touched == 30)
            #expect(try server.database.touches("並行").count == 30)
            #expect(
                try server.database.texts("SELECT count(*)::text FROM points_entry WHERE kind = 'gift'")
                    == (try server.database.texts(
                        "SELECT count(*)::text FROM campaign_touch WHERE status = 'touched'")))
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("prospect (registered after the start, never bought), new (first purchase) and churned stays, each once")
    func otherStages() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let t = Timeline()
            // r0 registered before the campaigns started, r1 after; neither buys until r1 does on day 50.
            // n1 first buys on day 20 and again on day 25 (still new: one entry); c1 buys on day 0 only
            // (new on day 5, churned from day 365).
            let results = try await admin.push(
                "sh01",
                [
                    Events.upsert("u0", "web", "r0", ["registered_at": .string(t.at(-10))], at: t.at(-10)),
                    Events.upsert("u1", "web", "r1", ["registered_at": .string(t.at(3))], at: t.at(3)),
                    Events.upsert("u2", "web", "n1", at: t.at(-10)), Events.upsert("u3", "web", "c1", at: t.at(-10)),
                    Events.paid("p1", "web", order: "o1", member: "r1", amount: "10.00", at: t.at(50)),
                    Events.paid("p2", "web", order: "o2", member: "n1", amount: "10.00", at: t.at(20)),
                    Events.paid("p3", "web", order: "o3", member: "n1", amount: "10.00", at: t.at(25)),
                    Events.paid("p4", "web", order: "o4", member: "c1", amount: "10.00", at: t.at(0)),
                ])
            #expect(results.allSatisfy { $0["status"] == "applied" })
            let id = results.prefix(4).map { Int64($0["member_id"]!.stringValue!)! }
            for m in id {
                _ = try await admin.call("consent.set", ["member_id": .string(String(m)), "channel": "email", "granted": true, "source": "test"])
            }
            for (name, stage) in [("歡迎", LifecycleStage.prospect), ("新客", .new), ("流失", .churned)] {
                var plan = CampaignPlan(variants: [.init(name: "list", action: .list)])
                plan.holdoutPercent = 0
                plan.trigger = .lifecycle(stage)
                try server.database.addStandingCampaign(name, plan: plan, seed: 1, startedAt: t.at(-1))
            }
            for n in [5.0, 22, 27, 40, 60, 370, 380] { _ = try await StandingRun.evaluate(admin, asOf: t.date(n)) }
            #expect(try server.database.touches("歡迎") == ["\(id[1]):touched:prospect"])
            let newcomers = try server.database.touches("新客")
            let expectedNew = ["\(id[1]):touched:new:\(t.date(50))", "\(id[2]):touched:new:\(t.date(20))", "\(id[3]):touched:new:\(t.date(0))"]
            #expect(newcomers.sorted() == expectedNew.sorted(), "\(newcomers)")
            // c1 churned on day 365 (sleeping_days after its purchase): touched on day 370, not again on 380.
            #expect(try server.database.touches("流失") == ["\(id[3]):touched:churned:\(t.date(0))"])
        }
    }
}
