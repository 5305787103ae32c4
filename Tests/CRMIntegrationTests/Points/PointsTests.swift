import CRMClient
import CRMDomain
import CRMProtocol
import Testing

@Suite("points ledger over the real server")
struct PointsTests {
    @Test("spending takes the lot that expires first, then the next; the history says why each entry exists")
    func fifoSpending() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let member = try await admin.paid("o1", order: "1", member: "u-1", amount: "300.00", at: When.at(days: -100))
            _ = try await admin.paid("o2", order: "2", member: "u-1", amount: "100.00", at: When.at(days: -300))
            #expect(try await admin.points(member).balance == 400)
            let spent = try await admin.redeem(member, 150, key: "r-1")
            #expect(spent["balance"] == 250)
            #expect(spent["points"] == -150)
            let lots = try await admin.points(member).lots
            // The lot of order 2 (earned 300 days ago, expiring first) is used up; 50 came out of order 1's.
            #expect(lots.count == 1)
            #expect(lots[0]["remaining"] == 250)
            #expect(lots[0]["amount"] == 300)
            let history = try await admin.call("points.history", ["member_id": member])["entries"]!.arrayValue!
            #expect(history.map { $0["kind"]!.stringValue! } == ["spend", "earn", "earn"])
            #expect(history[0]["idempotency_key"] == "r-1")
            #expect(history[0]["reason"] == "test")
            #expect(history[1]["order"]?["order_no"] == "2")
            #expect(history[1]["explanation"]?["base"] == 100)
            #expect(history[1]["explanation"]?["rate"] == "1")
            #expect(history[1]["explanation"]?["level"]?["code"] == "regular")
            // More than the balance is refused and changes nothing.
            let refused = await rpcError { try await admin.redeem(member, 251, key: "r-2") }
            #expect(refused?.code == -32010)
            #expect(refused?.reason == "insufficient_points")
            #expect(try await admin.points(member).balance == 250)
            #expect(try await admin.member(["member_id": member])["points"]?["balance"] == 250)
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("refunds take back points in proportion, before and after spending, by the refund policy")
    func refunds() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            // Before spending: a partial refund takes back its share, the rest of the order the rest.
            let a = try await admin.paid("a1", order: "A1", member: "u-a", amount: "400.00", at: When.at(days: -5))
            _ = try await admin.push("sh01", [Events.refunded("a1-r1", "web", order: "A1", refund: "RA1", amount: "100.00")])
            #expect(try await admin.points(a).balance == 300)
            _ = try await admin.push("sh01", [Events.refunded("a1-r2", "web", order: "A1", refund: "RA2", amount: "300.00")])
            #expect(try await admin.points(a).balance == 0)

            // After spending, within balance (the default): the order's lot, then other lots, and the shortfall recorded.
            let b = try await admin.paid("b1", order: "B1", member: "u-b", amount: "400.00", at: When.at(days: -5))
            _ = try await admin.redeem(b, 350, key: "b-spend")
            _ = try await admin.paid("b2", order: "B2", member: "u-b", amount: "100.00", at: When.at(days: -4))
            _ = try await admin.push("sh01", [Events.refunded("b1-r", "web", order: "B1", refund: "RB1", amount: "400.00")])
            let pb = try await admin.points(b)
            #expect(pb.balance == 0)
            #expect(pb.debt == 0)
            let reversal = try await admin.call("points.history", ["member_id": b])["entries"]!.arrayValue![0]
            #expect(reversal["kind"] == "reverse")
            #expect(reversal["points"] == -150)
            #expect(reversal["shortfall"] == 250)
            #expect(reversal["refund_no"] == "RB1")

            // Allow negative: the shortfall becomes a debt that blocks spending until new points pay it.
            _ = try await admin.call("config.set", ["name": "points", "value": ["refund_policy": "allow_negative"]])
            let c = try await admin.paid("c1", order: "C1", member: "u-c", amount: "200.00", at: When.at(days: -5))
            _ = try await admin.redeem(c, 150, key: "c-spend")
            _ = try await admin.push("sh01", [Events.refunded("c1-r", "web", order: "C1", refund: "RC1", amount: "200.00")])
            var pc = try await admin.points(c)
            #expect(pc.balance == -150)
            #expect(pc.debt == 150)
            #expect(await rpcError { try await admin.redeem(c, 1, key: "c-blocked") }?.reason == "insufficient_points")
            _ = try await admin.paid("c2", order: "C2", member: "u-c", amount: "300.00", at: When.at(days: -1))
            pc = try await admin.points(c)
            #expect(pc.balance == 150)
            #expect(pc.debt == 0)

            // Pending only, with a return window: only points still pending are taken back.
            _ = try await admin.call("config.set", ["name": "points", "value": ["refund_policy": "pending_only", "pending_days": 7]])
            let d = try await admin.paid("d1", order: "D1", member: "u-d", amount: "50.00", at: When.at(days: -10))
            _ = try await admin.paid("d2", order: "D2", member: "u-d", amount: "100.00", at: When.at(days: -1))
            var pd = try await admin.points(d)
            #expect(pd.balance == 50)
            #expect(pd.pending == 100)
            #expect(await rpcError { try await admin.redeem(d, 51, key: "d-pending") }?.reason == "insufficient_points")
            _ = try await admin.push("sh01", [Events.refunded("d1-r", "web", order: "D1", refund: "RD1", amount: "50.00")])
            _ = try await admin.push("sh01", [Events.refunded("d2-r", "web", order: "D2", refund: "RD2", amount: "40.00")])
            pd = try await admin.points(d)
            #expect(pd.balance == 50)
            #expect(pd.pending == 60)
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("an idempotency key answers its first result again; another request with it is a conflict")
    func idempotency() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await admin.paid("o1", order: "1", member: "u-1", amount: "500.00", at: When.at(days: -3))
            let first = try await admin.redeem(m, 100, key: "k-1")
            #expect(first["replayed"] == false)
            let again = try await admin.redeem(m, 100, key: "k-1")
            #expect(again["replayed"] == true)
            #expect(again["entry_id"] == first["entry_id"])
            #expect(again["balance"] == 400)
            let other = await rpcError { try await admin.redeem(m, 101, key: "k-1") }
            #expect(other?.code == -32009)
            #expect(other?.reason == "idempotency_key_reused")
            let donated = await rpcError { try await admin.redeem(m, 100, key: "k-1", kind: "donate") }
            #expect(donated?.reason == "idempotency_key_reused")
            #expect(try await admin.points(m).balance == 400)
            // Adjustments: a credit makes a lot, a debit spends; both replay.
            #expect(try await admin.adjust(m, 50, key: "adj-1")["balance"] == 450)
            #expect(try await admin.adjust(m, 50, key: "adj-1")["replayed"] == true)
            #expect(try await admin.adjust(m, -30, key: "adj-2")["balance"] == 420)
            #expect(await rpcError { try await admin.adjust(m, -421, key: "adj-3") }?.reason == "insufficient_points")
            #expect(await rpcError { try await admin.adjust(m, 0, key: "adj-4") }?.code == -32602)
            // An analyst may read but not spend.
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            #expect(await rpcError { try await analyst.redeem(m, 1, key: "an-1") }?.code == -32003)
            let verify = try await admin.verify()
            #expect(verify["ok"] == true)
            #expect(verify["totals"]?["issued"] == 550)
            #expect(verify["totals"]?["spent"] == 100)
            #expect(verify["totals"]?["adjusted_out"] == 30)
            #expect(verify["totals"]?["outstanding"] == 420)
        }
    }

    @Test("100 concurrent redemptions against one member succeed exactly as far as the balance allows")
    func concurrentRedemptions() async throws {
        try await withTestServer(poolSize: 8) { server in
            let admin = try await server.adminWithShops()
            let m = try await admin.paid("o1", order: "1", member: "u-1", amount: "1000.00", at: When.at(days: -3))
            let clients = try await withThrowingTaskGroup(of: RPCClientBox.self) { group in
                for _ in 0..<20 { group.addTask { RPCClientBox(try await server.adminClient()) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let outcomes = await withTaskGroup(of: String.self) { group in
                for i in 0..<100 {
                    let client = clients[i % clients.count].client
                    group.addTask {
                        do {
                            _ = try await client.redeem(m, 15, key: "c-\(i)")
                            return "ok"
                        } catch let e as RPCError {
                            return e.reason.rawValue
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(outcomes == ["ok": 66, "insufficient_points": 34])
            #expect(try await admin.points(m).balance == 10)
            #expect(try await admin.verify()["ok"] == true)
            for c in clients { await c.client.close() }
        }
    }

    @Test("campaign rules multiply or add, are capped, versioned, and named by the entries they explain")
    func accrualRules() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let double = try await admin.call("points.rule.add", ["name": "lingerie-x2", "multiplier_percent": 200, "match": ["categories": ["lingerie"]]])
            #expect(double["rule"]?["version"] == 1)
            _ = try await admin.call("points.rule.add", ["name": "mobile-bonus", "bonus": 50, "match": ["channels": ["mobile"]], "cap_per_member_per_day": 80])
            let m = try await admin.paid("o1", order: "1", member: "u-1", amount: "100.00", at: When.at(days: -2))
            #expect(try await admin.points(m).balance == 200)
            _ = try await admin.paid("o2", order: "2", member: "u-2", amount: "10.00", at: When.at(days: -2), channel: "mobile")
            _ = try await admin.paid("o3", order: "3", member: "u-2", amount: "10.00", at: When.at(days: -2), channel: "mobile")
            let mobile = try await admin.member(["shop": "sh01", "channel": "mobile", "external_id": "u-2"])["member_id"]!
            // 10 base + 10 lingerie + 50 bonus, then 10 + 10 + 30 (the daily cap of 80 leaves 30).
            #expect(try await admin.points(mobile).balance == 120)
            let entries = try await admin.call("points.history", ["member_id": mobile])["entries"]!.arrayValue!
            #expect(entries[0]["explanation"]?["rules"]?.arrayValue?.map { $0["bonus"]! } == [10, 30])
            // A new version of a rule retires the old one; the entries keep naming the version they used.
            let v2 = try await admin.call("points.rule.add", ["name": "lingerie-x2", "multiplier_percent": 300, "match": ["categories": ["lingerie"]]])
            #expect(v2["rule"]?["version"] == 2)
            let listed = try await admin.call("points.rule.list", [:])["rules"]!.arrayValue!
            #expect(listed.count == 2)
            #expect(try await admin.call("points.rule.list", ["include_disabled": true])["rules"]?.arrayValue?.count == 3)
            _ = try await admin.paid("o4", order: "4", member: "u-1", amount: "100.00", at: When.at(days: -1))
            #expect(try await admin.points(m).balance == 500)
            let latest = try await admin.call("points.history", ["member_id": m])["entries"]!.arrayValue![0]
            #expect(latest["explanation"]?["rules"]?.arrayValue?.first?["version"] == 2)
            _ = try await admin.call("points.rule.disable", ["name": "lingerie-x2"])
            #expect(await rpcError { try await admin.call("points.rule.disable", ["name": "lingerie-x2"]) }?.reason == "rule_not_found")
            let bad = await rpcError { try await admin.call("points.rule.add", ["name": "bad", "multiplier_percent": 200, "bonus": 5]) }
            #expect(bad?.code == -32602)
            let badChannel = await rpcError { try await admin.call("points.rule.add", ["name": "bad", "bonus": 5, "match": ["channels": ["tv"]]]) }
            #expect(badChannel?.field == "match.channels")
            #expect(try await admin.verify()["ok"] == true)
        }
    }
}

/// Lets a test hand clients between tasks.
struct RPCClientBox: Sendable {
    let client: RPCClient
    init(_ client: RPCClient) { self.client = client }
}

@Suite("points under concurrent shops")
struct PointsConcurrencyTests {
    @Test("orders of one shop earning while another shop's signups merge their members away: every point stays with a live member")
    func earnWhileMerging() async throws {
        try await withTestServer(poolSize: 6) { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.call("shop.create", ["code": "sh03", "name": "三店"])
            let sh02 = try await server.client(token: try await server.token(role: .agent, shop: "sh02"))
            let sh03 = try await server.client(token: try await server.token(role: .agent, shop: "sh03"))
            let people = 120
            func phone(_ i: Int) -> String { String(format: "137%08d", i + 4_321) }
            func email(_ i: Int) -> String { "p\(i)@example.com" }
            // Each person: an older member by phone in sh01, a younger one by e-mail in sh02.
            for start in stride(from: 0, to: people, by: 60) {
                _ = try await admin.push(
                    "sh01", (start..<start + 60).map { Events.upsert("a\($0)", "web", "a\($0)", ["name": .string("甲\($0)"), "phone": .string(phone($0))]) })
                _ = try await sh02.push(
                    "sh02", (start..<start + 60).map { Events.upsert("b\($0)", "mobile", "b\($0)", ["name": .string("乙\($0)"), "email": .string(email($0))]) })
            }
            // Now sh02's orders earn for the younger members while sh03's signups, carrying both keys, merge them into the older.
            async let orders: Void = {
                for start in stride(from: 0, to: people, by: 10) {
                    let results = try await sh02.push(
                        "sh02",
                        (start..<start + 10).map {
                            Events.paid("o\($0)", "mobile", order: "o\($0)", member: "b\($0)", amount: "100.00", at: When.at(days: -1))
                        })
                    #expect(results.allSatisfy { $0["status"] == "applied" })
                }
            }()
            async let merges: Void = {
                for start in stride(from: 0, to: people, by: 10) {
                    let results = try await sh03.push(
                        "sh03",
                        (start..<start + 10).map {
                            Events.upsert("c\($0)", "web", "c\($0)", ["name": .string("丙\($0)"), "phone": .string(phone($0)), "email": .string(email($0))])
                        })
                    #expect(results.allSatisfy { $0["status"] == "applied" })
                }
            }()
            _ = try await (orders, merges)
            let report = try await admin.verify()
            #expect(report["ok"] == true, "\(report)")
            #expect(report["totals"]?["outstanding"] == .int(Int64(people) * 100))
            let person = try await admin.member(["phone": .string(phone(7))])
            #expect(person["points"]?["balance"] == 100)
            #expect(person["accounts"]?.arrayValue?.count == 3)
            await sh02.close()
            await sh03.close()
        }
    }
}
