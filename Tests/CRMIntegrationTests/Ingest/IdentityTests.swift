import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import Testing

@Suite("identity resolution")
struct IdentityTests {
    @Test("accounts in several channels merge by phone, e-mail and platform id, whatever the formatting")
    func mergeByEachKey() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let byPhone = try await admin.push(
                "sh01",
                [
                    Events.upsert("p1", "web", "w-1", ["name": "王小明", "phone": "138 0013 8000"]),
                    Events.upsert("p2", "mobile", "m-1", ["name": "王小明", "phone": "+86-138-0013-8000"]),
                ])
            #expect(byPhone[0]["member_id"] == byPhone[1]["member_id"])
            let byEmail = try await admin.push(
                "sh02",
                [
                    Events.upsert("e1", "web", "w-2", ["name": "李四", "email": "LiSi@Example.com"]),
                    Events.upsert("e2", "group_buy", "g-2", ["name": "李四", "email": " lisi@example.COM "]),
                ])
            #expect(byEmail[0]["member_id"] == byEmail[1]["member_id"])
            let byPlatform = try await admin.push(
                "sh01",
                [
                    Events.upsert("w1", "mobile", "m-3", ["name": "張三", "platform_ids": ["wechat_unionid": "o6_abc"]]),
                    Events.upsert("w2", "group_buy", "g-3", ["platform_ids": ["wechat_unionid": "o6_abc"]]),
                ])
            #expect(byPlatform[0]["member_id"] == byPlatform[1]["member_id"])
            #expect(Set([byPhone[0]["member_id"]!, byEmail[0]["member_id"]!, byPlatform[0]["member_id"]!].compactMap(\.stringValue)).count == 3)
            let member = try await admin.member(["phone": "13800138000"])
            #expect(member["accounts"]?.arrayValue?.count == 2)
            #expect(member["phone"] == "+8613800138000")
            let viaEmail = try await admin.member(["email": "lisi@example.com"])
            #expect(viaEmail["member_id"] == byEmail[0]["member_id"])
        }
    }

    @Test("two shops pushing the same people at the same moment end with one member per person")
    func concurrentShops() async throws {
        try await withTestServer(poolSize: 6) { server in
            let admin = try await server.adminWithShops()
            let sh01 = try await server.client(token: try await server.token(role: .agent, shop: "sh01"))
            let sh02 = try await server.client(token: try await server.token(role: .agent, shop: "sh02"))
            let people = 300
            // Each round, both shops push the same people in pushes of 50, interleaving at random;
            // new accounts of one push must be matched with the other's whichever resolves first.
            for round in 0..<3 {
                func pushes(_ shop: String, _ channel: String, _ client: RPCClient) async throws -> [JSONValue] {
                    var results: [JSONValue] = []
                    for start in stride(from: 0, to: people, by: 50) {
                        let events = (start..<start + 50).map { i in
                            Events.upsert(
                                "\(shop)-\(round)-\(i)", channel, "r\(round)p\(i)",
                                ["name": .string("會員\(round)-\(i)"), "phone": .string(String(format: "139%d%07d", round, i + 1_234))])
                        }
                        results += try await client.push(shop, events)
                    }
                    return results
                }
                async let first = pushes("sh01", "web", sh01)
                async let second = pushes("sh02", "mobile", sh02)
                let (a, b) = try await (first, second)
                #expect(a.allSatisfy { $0["status"] == "applied" } && b.allSatisfy { $0["status"] == "applied" })
                let members = try await server.database.scalar("SELECT count(DISTINCT member_id) FROM account WHERE external_id LIKE 'r\(round)p%'")
                #expect(members == people, "round \(round): \(members) members for \(people) people")
            }
            let sample = try await admin.member(["phone": "13920001241"])  // round 2, person 7
            #expect(Set(sample["accounts"]?.arrayValue?.compactMap { $0["shop"]?.stringValue } ?? []) == ["sh01", "sh02"])
            await sh01.close()
            await sh02.close()
            await admin.close()
        }
    }

    @Test("a push that waited for the identity lock matches the accounts another push committed while it waited")
    func matchedAfterWaiting() async throws {
        try await withTestServer(poolSize: 6) { server in
            let admin = try await server.adminWithShops()
            let sh01 = try await server.client(token: try await server.token(role: .agent, shop: "sh01"))
            let sh02 = try await server.client(token: try await server.token(role: .agent, shop: "sh02"))
            // Hold the identity lock so that both pushes screen their new account (neither sees the
            // other's, not yet committed) and then wait for it; the one that resolves second must still
            // find the other, committed while it waited.
            let holder = try PostgresConnection(configuration: server.database.configuration)
            defer { holder.close() }
            try holder.query("BEGIN")
            try holder.query("SELECT pg_advisory_xact_lock(\(0x63726d5f6964 as Int64))")
            // One person by a shared phone, another by fuzzy match alone (no key in common).
            let person: JSONObject = ["name": "王小明", "birthday": "1990-05-17", "region": "上海", "address": "上海市浦东新区世纪大道100号"]
            var moved = person
            moved["address"] = "上海市浦东新区世纪大道100号1201室"
            moved["birthday"] = "1990/5/17"
            async let first = sh01.push(
                "sh01",
                [
                    Events.upsert("w1", "web", "waiter-1", ["name": "錢多多", "phone": "13700001111"]),
                    Events.upsert("f1", "web", "fuzzy-1", person),
                ])
            async let second = sh02.push(
                "sh02",
                [
                    Events.upsert("w2", "mobile", "waiter-2", ["name": "錢多多", "phone": "+86 137 0000 1111"]),
                    Events.upsert("f2", "mobile", "fuzzy-2", moved),
                ])
            var waiting = 0
            for _ in 0..<500 where waiting < 2 {
                waiting = try await server.database.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                if waiting < 2 { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(waiting == 2, "both pushes wait for the identity lock")
            try holder.query("COMMIT")
            let (a, b) = try await (first, second)
            #expect((a + b).allSatisfy { $0["status"] == "applied" })
            // The push that resolved first answered with its own new member, the second with the one both are now.
            let member = try await admin.member(["phone": "13700001111"])
            #expect(member["accounts"]?.arrayValue?.count == 2)
            #expect([a[0]["member_id"], b[0]["member_id"]].contains(member["member_id"]))
            let alike = try await admin.member(["shop": "sh02", "channel": "mobile", "external_id": "fuzzy-2"])
            #expect(Set(alike["accounts"]?.arrayValue?.compactMap { $0["external_id"]?.stringValue } ?? []) == ["fuzzy-1", "fuzzy-2"])
            await sh01.close()
            await sh02.close()
            await admin.close()
        }
    }

    @Test("an account that changes to look like two people auto-merges with one at most; the other waits for review")
    func oneAutoMergeAtMost() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let person: JSONObject = ["name": "王小明", "birthday": "1990-05-17", "region": "上海", "address": "上海市浦东新区世纪大道100号"]
            // An older account, unlike anyone yet.
            let a = try await admin.push("sh01", [Events.upsert("a1", "web", "a", ["name": "李四", "birthday": "1970-01-02"], at: "2026-03-01T10:00:00+08:00")])
            // Two look-alikes with different phones: they never merge with each other by themselves.
            var b = person
            b["phone"] = "13800138001"
            var c = person
            c["phone"] = "13900139002"
            let bc = try await admin.push("sh01", [Events.upsert("b1", "mobile", "b", b)]) + admin.push("sh02", [Events.upsert("c1", "web", "c", c)])
            #expect(bc[0]["member_id"] != bc[1]["member_id"])
            // The older account now says it is that person (no phone): it scores above auto-merge with both.
            let updated = try await admin.push("sh01", [Events.upsert("a2", "web", "a", person, at: "2026-03-02T10:00:00+08:00")])
            #expect(updated[0]["status"] == "applied")
            let members = Set(
                try await [
                    admin.member(["member_id": a[0]["member_id"]!]), admin.member(["member_id": bc[0]["member_id"]!]),
                    admin.member(["member_id": bc[1]["member_id"]!]),
                ].compactMap { $0["member_id"]?.stringValue })
            #expect(members.count == 2, "one merge by itself, not two: b and c have different phones")
            // In review: b and c (since c arrived), and the merged member with the one it did not merge.
            let merged = try await admin.member(["member_id": a[0]["member_id"]!])["member_id"]!
            let items = try await admin.call("review.list")["items"]!.arrayValue!
            #expect(items.count == 2)
            #expect(items.contains { $0["member_ids"]?.arrayValue?.contains(merged) == true })
        }
    }

    @Test("keys link members transitively: phone to one, e-mail to another, one account with both joins all three")
    func transitive() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let r =
                try await admin.push(
                    "sh01",
                    [
                        Events.upsert("a", "web", "a", ["name": "王小明", "phone": "13800138000"]),
                        Events.upsert("b", "mobile", "b", ["name": "王小明", "email": "xm@example.com"]),
                    ])
                + admin.push(
                    "sh01",
                    [
                        Events.upsert("c", "group_buy", "c", ["name": "王小明", "phone": "13800138000", "email": "xm@example.com"])
                    ])
            #expect(r[0]["member_id"] != r[1]["member_id"])
            let survivor = r[2]["member_id"]!
            // In one push, the same three end as one member too.
            let together = try await admin.push(
                "sh02",
                [
                    Events.upsert("a", "web", "a", ["name": "李四", "phone": "13700137000"]),
                    Events.upsert("b", "mobile", "b", ["name": "李四", "email": "ls@example.com"]),
                    Events.upsert("c", "group_buy", "c", ["name": "李四", "phone": "13700137000", "email": "ls@example.com"]),
                ])
            let lisi = try await admin.member(["member_id": together[0]["member_id"]!])
            #expect(lisi["accounts"]?.arrayValue?.count == 3)
            let all = try await admin.member(["member_id": survivor])
            #expect(all["accounts"]?.arrayValue?.count == 3)
            // The member merged away answers with the survivor.
            let old = try await admin.member(["member_id": r[1]["member_id"]!])
            #expect(old["member_id"] == survivor)
            #expect(old["merged_from"] == r[1]["member_id"])
            let history = try await admin.call("member.history", ["member_id": survivor])["entries"]!.arrayValue!
            #expect(history.contains { $0["action"] == "merged" && $0["detail"]?["rule"] == "key:email" })
        }
    }

    @Test("placeholder and block-listed keys never merge, and the guard is visible")
    func blockedKeys() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let r = try await admin.push(
                "sh01",
                [
                    Events.upsert("a", "web", "a", ["name": "顧客甲", "phone": "13800000000"]),
                    Events.upsert("b", "mobile", "b", ["name": "顧客乙", "phone": "138-0000-0000"]),
                ])
            #expect(r[0]["member_id"] != r[1]["member_id"])
            _ = try await admin.call("config.set", ["name": "identity", "value": ["blocked_keys": [["kind": "phone", "value": "021-6888 8888"]]]])
            let landline = try await admin.push(
                "sh01",
                [
                    Events.upsert("c", "web", "c", ["name": "張三", "phone": "021-68888888"]),
                    Events.upsert("d", "mobile", "d", ["name": "李四", "phone": "02168888888"]),
                ])
            #expect(landline[0]["member_id"] != landline[1]["member_id"])
            let guards = try await admin.call("review.list", ["type": "guard"])["items"]!.arrayValue!
            #expect(guards.contains { $0["guard"]?["guard"] == "blocked" && $0["guard"]?["value"] == "138****0000" })
            #expect(guards.contains { $0["guard"]?["guard"] == "blocked" && $0["guard"]?["value"] == "216****8888" })
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            let seen = try await analyst.call("review.list", ["type": "guard"])["items"]!.arrayValue!
            #expect(seen.contains { $0["guard"]?["value"] == "138****0000" })
            #expect(!seen.contains { $0["guard"]?["value"] == "+8613800000000" })
        }
    }

    @Test("a key shared by two accounts of one shop channel is a family phone: it stops merging and is flagged")
    func sharedInChannel() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let r = try await admin.push(
                "sh01",
                [
                    Events.upsert("a", "web", "mum", ["name": "王媽媽", "phone": "13912345670"]),
                    Events.upsert("b", "web", "dad", ["name": "王爸爸", "phone": "13912345670"]),
                    Events.upsert("c", "mobile", "kid", ["name": "王小寶", "phone": "13912345670"]),
                ])
            #expect(Set(r.compactMap { $0["member_id"]?.stringValue }).count == 3)
            let guards = try await admin.call("review.list", ["type": "guard"])["items"]!.arrayValue!
            #expect(guards.contains { $0["guard"]?["guard"] == "shared_in_channel" })
        }
    }

    @Test("keys of different priority that disagree: a shared e-mail does not merge people with different phones")
    func priorityConflict() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let r = try await admin.push(
                "sh01",
                [
                    Events.upsert("a", "web", "a", ["name": "王小明", "phone": "13800138000", "email": "family@example.com"]),
                    Events.upsert("b", "mobile", "b", ["name": "王小紅", "phone": "13900139000", "email": "family@example.com"]),
                ])
            #expect(r[0]["member_id"] != r[1]["member_id"])
            let guards = try await admin.call("review.list", ["type": "guard"])["items"]!.arrayValue!
            #expect(guards.contains { $0["guard"]?["guard"] == "priority_conflict" && $0["guard"]?["detail"]?["stronger_kind"] == "phone" })
        }
    }

    @Test("fuzzy: a near-certain match merges by itself; a likely one waits for review, where an operator decides")
    func fuzzy() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let person: JSONObject = ["name": "王小明", "birthday": "1990-05-17", "region": "上海", "address": "上海市浦东新区世纪大道100号"]
            var moved = person
            moved["address"] = "上海市浦东新区世纪大道100号1201室"
            moved["birthday"] = "1990/5/17"
            // A typo that changes the sound (王小名 would read the same: the model's `pinyin` level).
            var typo = person
            typo["name"] = "王小民"
            let r = try await admin.push(
                "sh01",
                [
                    Events.upsert("a", "web", "a", person),
                    Events.upsert("b", "mobile", "b", moved),
                    Events.upsert("c", "group_buy", "c", typo),
                ])
            #expect(r[0]["member_id"] == r[1]["member_id"])
            #expect(r[2]["member_id"] != r[0]["member_id"])
            let history = try await admin.call("member.history", ["member_id": r[0]["member_id"]!])["entries"]!.arrayValue!
            #expect(history.contains { $0["action"] == "merged" && $0["detail"]?["rule"] == "fuzzy" })
            let items = try await admin.call("review.list")["items"]!.arrayValue!
            #expect(items.count == 1)
            let item = items[0]
            #expect(Set(item["member_ids"]!.arrayValue!.compactMap(\.stringValue)) == Set([r[0]["member_id"]!, r[2]["member_id"]!].compactMap(\.stringValue)))
            #expect((item["score"]?.doubleValue ?? 0) >= 0.75)
            #expect(item["evidence"]?["fields"]?["name"] != nil)
            let decided = try await admin.call("review.decide", ["id": item["id"]!, "decision": "merge", "reason": "same customer, name typo"])
            #expect(decided["status"] == "merged")
            let merged = try await admin.member(["member_id": r[2]["member_id"]!])
            #expect(merged["accounts"]?.arrayValue?.count == 3)
            #expect(try await admin.call("review.list")["items"] == [])
            #expect(await rpcError { try await admin.call("review.decide", ["id": item["id"]!, "decision": "merge"]) }?.reason == "already_decided")
        }
    }

    @Test("separating in review keeps two people apart")
    func separate() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let r = try await admin.push(
                "sh01",
                [
                    Events.upsert("a", "web", "a", ["name": "王小明", "birthday": "1990-05-17", "address": "上海市浦东新区世纪大道100号"]),
                    Events.upsert("b", "mobile", "b", ["name": "王小名", "birthday": "1990-05-17", "address": "上海市浦东新区世纪大道100号"]),
                ])
            let item = try await admin.call("review.list")["items"]!.arrayValue![0]
            _ = try await admin.call("review.decide", ["id": item["id"]!, "decision": "separate", "reason": "twins"])
            _ = try await admin.push(
                "sh01",
                [Events.upsert("b2", "mobile", "b", ["name": "王小名", "birthday": "1990-05-17", "address": "上海市浦东新区世纪大道100号"], at: "2026-04-01T00:00:00Z")])
            #expect(try await admin.member(["member_id": r[1]["member_id"]!])["member_id"] == r[1]["member_id"])
            #expect(try await admin.call("review.list")["items"] == [])
        }
    }

    @Test("a new record like two people an operator separated joins one of them, and does not bring the other back to review")
    func separatedPairMetAgain() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let address: JSONValue = "上海市浦东新区世纪大道100号"
            let r = try await admin.push(
                "sh01",
                [
                    Events.upsert("a", "web", "a", ["name": "王小明", "birthday": "1990-05-17", "address": address]),
                    Events.upsert("b", "mobile", "b", ["name": "王小名", "birthday": "1990-05-17", "address": address]),
                ])
            let item = try await admin.call("review.list")["items"]!.arrayValue![0]
            _ = try await admin.call("review.decide", ["id": item["id"]!, "decision": "separate", "reason": "twins"])
            // In one push with an unrelated record, so the push reads its candidates together.
            let c = try await admin.push(
                "sh02",
                [
                    Events.upsert("c", "group_buy", "c", ["name": "王小明", "birthday": "1990-05-17", "address": address]),
                    Events.upsert("d", "web", "d", ["name": "李四", "birthday": "1985-01-02", "address": "北京市朝阳区建国路1号"]),
                ])
            #expect(c[0]["member_id"] == r[0]["member_id"])
            #expect(try await admin.member(["member_id": r[1]["member_id"]!])["member_id"] == r[1]["member_id"])
            #expect(try await admin.member(["member_id": r[1]["member_id"]!])["accounts"]?.arrayValue?.count == 1)
            #expect(try await admin.call("review.list")["items"] == [])
        }
    }

    @Test("with max_candidates at its ceiling a push reads its candidates in several statements and still joins each person's records")
    func candidatesInChunks() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.call("config.set", ["name": "identity", "value": ["max_candidates": 5_000]])
            let people: [(name: String, birthday: String, address: String)] = [
                ("王小明", "1990-05-17", "上海市浦东新区世纪大道100号"), ("李静怡", "1985-11-02", "北京市朝阳区建国路88号"),
                ("张伟强", "1978-03-21", "广州市天河区体育西路15号"), ("陈晓红", "1992-07-09", "杭州市西湖区文三路256号"),
                ("刘建国", "1969-12-30", "成都市武侯区人民南路四段9号"),
            ]
            var events: [JSONValue] = []
            for (i, p) in people.enumerated() {
                let profile: JSONObject = ["name": .string(p.name), "birthday": .string(p.birthday), "address": .string(p.address)]
                events.append(Events.upsert("w\(i)", "web", "w\(i)", profile))
                events.append(Events.upsert("m\(i)", "mobile", "m\(i)", profile))
            }
            let r = try await admin.push("sh01", events)
            for i in people.indices { #expect(r[2 * i]["member_id"] == r[2 * i + 1]["member_id"]) }
            #expect(Set(people.indices.compactMap { r[2 * $0]["member_id"]?.stringValue }).count == people.count)
        }
    }

    @Test("unmerge restores both members exactly, and they are not merged again by the same key")
    func unmerge() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let first = try await admin.push(
                "sh01",
                [
                    Events.upsert("a", "web", "a", ["name": "王小明", "phone": "13800138000", "address": "上海市浦东新区世纪大道100号"]),
                    Events.upsert("b", "mobile", "b", ["name": "王曉明", "email": "xm@example.com", "birthday": "1990-05-17"]),
                ])
            let m1 = first[0]["member_id"]!, m2 = first[1]["member_id"]!
            let before1 = try await admin.member(["member_id": m1])
            let before2 = try await admin.member(["member_id": m2])
            let joined = try await admin.push("sh01", [Events.upsert("c", "group_buy", "c", ["phone": "13800138000", "email": "xm@example.com"])])
            #expect(joined[0]["member_id"] == m1)
            let merged = try await admin.member(["member_id": m1])
            #expect(merged["accounts"]?.arrayValue?.count == 3)
            #expect(merged["birthday"] == "1990-05-17")

            let undone = try await admin.call("member.unmerge", ["member_id": m2, "reason": "two people share a tablet"])
            #expect(undone["restored_member_id"] == m2)
            let after2 = try await admin.member(["member_id": m2])
            #expect(after2 == before2)
            let after1 = try await admin.member(["member_id": m1])
            #expect(after1["accounts"]?.arrayValue?.count == 2)
            #expect(after1["name"] == before1["name"])
            #expect(after1["birthday"] == .null)
            // The same keys arriving again do not undo the operator's decision.
            _ = try await admin.push(
                "sh01", [Events.upsert("b2", "mobile", "b", ["name": "王曉明", "email": "xm@example.com", "birthday": "1990-05-17"], at: "2026-05-01T00:00:00Z")])
            #expect(try await admin.member(["member_id": m2])["member_id"] == m2)
            #expect(
                await rpcError { try await admin.call("member.unmerge", ["merge_id": undone["merge_id"]!, "reason": "again"]) }?.reason == "already_unmerged")
            let history = try await admin.call("member.history", ["member_id": m2])["entries"]!.arrayValue!
            #expect(history.contains { $0["action"] == "restored" && $0["actor"]?.stringValue?.hasPrefix("token:") == true })
        }
    }

    @Test("operators merge by hand, audited; a merged member answers with the survivor")
    func manualMerge() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let r = try await admin.push(
                "sh01",
                [
                    Events.upsert("a", "web", "a", ["name": "王小明"]),
                    Events.upsert("b", "mobile", "b", ["name": "Xiaoming Wang"]),
                ])
            let op = try await server.client(token: try await server.token(role: .operator))
            let merged = try await op.call(
                "member.merge", ["member_id": r[0]["member_id"]!, "other_member_id": r[1]["member_id"]!, "reason": "customer called"])
            #expect(merged["member_id"] == r[0]["member_id"])
            let viaOld = try await op.member(["member_id": r[1]["member_id"]!])
            #expect(viaOld["merged_from"] == r[1]["member_id"])
            #expect(
                await rpcError { try await op.call("member.merge", ["member_id": r[0]["member_id"]!, "other_member_id": r[1]["member_id"]!, "reason": "x"]) }?
                    .reason == "already_merged")
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            #expect(await rpcError { try await analyst.call("member.merge", ["member_id": "1", "other_member_id": "2", "reason": "x"]) }?.code == -32003)
            let audit = try server.database.withConnection { try $0.query("SELECT actor, reason, rule FROM merge_record").single! }
            #expect(try audit.decode(String.self, at: 0).hasPrefix("token:"))
            #expect(try audit.decode(String.self, at: 1) == "customer called")
            #expect(try audit.decode(String.self, at: 2) == "manual")
        }
    }

    @Test("the golden record: the most trusted channel wins, then the most recent value; analysts see it masked")
    func goldenRecordAndMasking() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.push(
                "sh01",
                [
                    Events.upsert("g", "group_buy", "g", ["name": "小明", "phone": "13800138000", "region": "北京"], at: "2026-06-01T00:00:00Z"),
                    Events.upsert("w", "web", "w", ["name": "王小明", "phone": "13800138000"], at: "2026-01-01T00:00:00Z"),
                ])
            let member = try await admin.member(["phone": "13800138000"])
            #expect(member["name"] == "王小明")
            #expect(member["region"] == "北京")
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            let masked = try await analyst.member(["phone": "13800138000"])
            #expect(masked["phone"] == "138****8000")
            #expect(masked["name"] == "王**")
            // An analyst finds by whole values only (a fragment would spell out the masked name).
            #expect(try await analyst.call("member.find", ["query": "小明"])["members"]!.arrayValue!.isEmpty)
            let found = try await analyst.call("member.find", ["query": "王小明"])["members"]!.arrayValue!
            #expect(found.count == 1)
            #expect(found[0]["phone"] == "138****8000")
            let byTail = try await admin.call("member.find", ["query": "8000"])["members"]!.arrayValue!
            #expect(byTail.count == 1)
        }
    }

    @Test("identity settings are validated and read back")
    func settings() async throws {
        try await withTestServer { server in
            let admin = try await server.adminClient()
            let defaults = try await admin.call("config.get", ["name": "identity"])["value"]!
            #expect(defaults["auto_merge_threshold"]?.doubleValue == 0.999)
            #expect(defaults["review_threshold"]?.doubleValue == 0.9)
            #expect(defaults["max_candidates"]?.int64Value == 200)
            // Above the auto-merge threshold.
            let bad = await rpcError { try await admin.call("config.set", ["name": "identity", "value": ["review_threshold": .double(0.9995)]]) }
            #expect(bad?.reason == "bad_setting")
            _ = try await admin.call("config.set", ["name": "identity", "value": ["auto_merge_threshold": .double(0.97)]])
            #expect(try await admin.call("config.get", ["name": "identity"])["value"]?["auto_merge_threshold"]?.doubleValue == 0.97)
            let op = try await server.client(token: try await server.token(role: .operator))
            #expect(await rpcError { try await op.call("config.set", ["name": "identity", "value": [:]]) }?.code == -32003)
        }
    }
}
