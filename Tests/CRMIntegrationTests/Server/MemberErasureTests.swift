import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import Testing

/// A member with a merged family, orders, a refund, points, a coupon, a tag and consent, over the
/// real server: what `member.erase` and `member.export` are tried on.
struct PrivacyFixture {
    let admin: RPCClient
    /// The live member and the one merged into it.
    let live: JSONValue
    let merged: JSONValue
    let couponCode: String

    static let web: JSONObject = [
        "name": "歐陽娜娜", "nickname": "Nana", "phone": "13911110001", "email": "nana.ouyang@example.com", "birthday": "1990-05-17",
        "gender": "female", "region": "上海", "address": "上海市徐匯區衡山路8號", "platform_ids": ["wechat_unionid": "o6_nana_union"],
        "attributes": ["skin_type": "乾性肌膚"], "occupation": "設計師",
    ]
    static let mobile: JSONObject = ["name": "歐陽娜娜", "phone": "13911110002", "email": "nana.mobile@example.com"]

    static func make(_ server: TestServer) async throws -> PrivacyFixture {
        let admin = try await server.adminWithShops()
        let a = try await admin.push("sh01", [Events.upsert("pf-1", "web", "nana-web", web, at: When.at(days: -40))])[0]["member_id"]!
        let b = try await admin.push("sh02", [Events.upsert("pf-2", "mobile", "nana-app", mobile, at: When.at(days: -39))])[0]["member_id"]!
        _ = try await admin.paid("pf-3", order: "PF-1", member: "nana-web", amount: "300.00", at: When.at(days: -30))
        _ = try await admin.paid("pf-4", order: "PF-2", member: "nana-app", amount: "120.00", at: When.at(days: -20), shop: "sh02", channel: "mobile")
        _ = try await admin.push("sh01", [Events.refunded("pf-5", "web", order: "PF-1", refund: "PF-R1", amount: "50.00")])
        let merge = try await admin.call("member.merge", ["member_id": a, "other_member_id": b, "reason": "same person"])
        let live = merge["member_id"]!
        let merged = live == a ? b : a
        try await admin.template("pf-gift")
        let code = try await admin.issueCoupon("pf-gift", to: live, key: "pf-coupon")
        _ = try await admin.call("tag.define", ["name": "pf-vip"])
        _ = try await admin.call("tag.add", ["member_id": live, "tag": "pf-vip"])
        _ = try await admin.call("consent.set", ["member_id": live, "channel": "sms", "granted": true, "source": "store_paper"])
        return PrivacyFixture(admin: admin, live: live, merged: merged, couponCode: code)
    }

    /// The family's member ids as SQL text (`1,2`).
    var familySQL: String { [live, merged].map { $0.stringValue! }.joined(separator: ",") }
}

@Suite("member.erase over the real server")
struct MemberErasureTests {
    @Test("erasure destroys the family's keys and personal data; the books stay balanced; the same person pushed again is a new member")
    func erase() async throws {
        try await withTestServer { server in
            let f = try await PrivacyFixture.make(server)
            let admin = f.admin
            let before = try await admin.points(f.live)
            let keys = try await server.database.scalar(
                "SELECT count(DISTINCT k) FROM (SELECT key_id FROM member WHERE id IN (\(f.familySQL)) UNION SELECT key_id FROM account WHERE member_id IN (\(f.familySQL))) t(k)"
            )
            #expect(keys >= 2)

            // Operators cannot erase.
            let operatorClient = try await server.client(token: try await server.token(role: .operator))
            let refused = await rpcError { try await operatorClient.call("member.erase", ["member_id": f.live, "reason": "asked"]) }
            #expect(refused?.code == -32003)

            // Erasing the merged member's id erases the family it belongs to.
            let erased = try await admin.call("member.erase", ["member_id": f.merged, "reason": "customer asked at the counter"])
            #expect(erased == ["member_id": f.live, "erased": true])

            try await Self.expectNothingPersonalLeft(server, f)

            // What member.get and member.find show: no personal data, no way to find the member by it.
            let shown = try await admin.member(["member_id": f.live])
            for field in ["name", "nickname", "phone", "email", "birthday", "gender", "region", "address"] {
                #expect(shown[field] == .null, "\(field) still shown")
            }
            #expect(shown["accounts"]?.arrayValue?.allSatisfy { $0["external_id"]?.stringValue?.hasPrefix("erased:") == true } == true)
            #expect(shown["points"]?["balance"]?.int64Value == before.balance)
            #expect(try await admin.call("member.find", ["query": "13911110001"])["members"] == [])
            #expect(try await admin.call("member.find", ["query": "歐陽娜娜"])["members"] == [])
            #expect(await rpcError { try await admin.member(["phone": "13911110001"]) }?.reason == "member_not_found")

            // The books: points, coupons and levels stay with the pseudonymous member and still balance.
            #expect(try await admin.verify()["ok"] == true)
            #expect(try await admin.failedChecks() == [])
            #expect(try await admin.points(f.live).balance == before.balance)
            #expect(try await admin.coupon(f.couponCode)["coupon"]?["member_id"] == f.live)

            // Irreversible: the merge cannot be undone; erasing again answers the same and changes nothing.
            let unmerge = await rpcError { try await admin.call("member.unmerge", ["member_id": f.merged, "reason": "undo"]) }
            #expect(unmerge?.code == -32009)
            #expect(unmerge?.reason == "member_erased")
            let stranger = try await admin.push("sh02", [Events.upsert("pf-8", "web", "stranger", ["name": "路人甲"])])[0]["member_id"]!
            let merge = await rpcError { try await admin.call("member.merge", ["member_id": stranger, "other_member_id": f.live, "reason": "x"]) }
            #expect(merge?.reason == "member_erased")
            #expect(try await admin.call("member.erase", ["member_id": f.live, "reason": "again"]) == erased)
            let consent = await rpcError {
                try await admin.call("consent.set", ["member_id": f.live, "channel": "sms", "granted": true, "source": "store_paper"])
            }
            #expect(consent?.reason == "member_erased")
            #expect(try await server.database.scalar("SELECT count(*) FROM audit_log WHERE action = 'member.erase'") == 1)
            #expect(
                try await server.database.scalar(
                    """
                    SELECT count(*) FROM audit_log WHERE action = 'member.erase' AND subject = 'member:\(f.live.stringValue!)'
                      AND detail->>'reason' = 'customer asked at the counter' AND token_id IS NOT NULL
                    """) == 1)

            // The same person pushed again (same shop account, same phone) is a new member.
            let again = try await admin.push("sh01", [Events.upsert("pf-6", "web", "nana-web", PrivacyFixture.web)])[0]
            #expect(again["status"] == "applied")
            #expect(again["member_id"] != f.live && again["member_id"] != f.merged)
            #expect(try await admin.member(["phone": "13911110001"])["member_id"] == again["member_id"])
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    /// Every data key of the family is destroyed; nothing personal or derived from it is left.
    static func expectNothingPersonalLeft(_ server: TestServer, _ f: PrivacyFixture) async throws {
        #expect(try await server.database.scalar("SELECT count(*) FROM data_key WHERE member_id IN (\(f.familySQL)) AND destroyed_at IS NULL") == 0)
        #expect(try await server.database.scalar("SELECT count(*) FROM data_key WHERE member_id IN (\(f.familySQL)) AND wrapped IS NOT NULL") == 0)
        #expect(
            try await server.database.scalar(
                """
                SELECT count(*) FROM member WHERE id IN (\(f.familySQL)) AND num_nonnulls(name_sealed, nickname_sealed, phone_sealed, email_sealed,
                birthday_sealed, address_sealed, gender, region, name_bidx, name_grams, phone_tail_bidx, email_domain_bidx, birthday_bidx,
                address_grams) > 0
                """) == 0)
        #expect(
            try await server.database.scalar(
                """
                SELECT count(*) FROM account WHERE member_id = \(f.live.stringValue!) AND (num_nonnulls(name_sealed, phone_sealed, email_sealed,
                address_sealed, match_sealed, platform_ids_sealed, attributes_sealed, raw_sealed) > 0 OR attribute_hashes <> '{}' OR external_id NOT LIKE 'erased:%')
                """) == 0)
        #expect(
            try await server.database.scalar(
                """
                SELECT count(*) FROM merge_record WHERE merged_id IN (\(f.familySQL))
                  AND snapshot ?| array['name_sealed', 'phone_sealed', 'email_sealed', 'address_sealed', 'name_bidx', 'address_grams', 'region']
                """) == 0)
        let accounts = "SELECT id FROM account WHERE member_id = \(f.live.stringValue!)"
        #expect(try await server.database.scalar("SELECT count(*) FROM identity_key WHERE account_id IN (\(accounts))") == 0)
        #expect(try await server.database.scalar("SELECT count(*) FROM blocking_key WHERE account_id IN (\(accounts))") == 0)
        #expect(try await server.database.scalar("SELECT count(*) FROM marketing_consent WHERE member_id IN (\(f.familySQL))") == 0)
        #expect(try await server.database.scalar("SELECT count(*) FROM marketing_consent_event WHERE member_id IN (\(f.familySQL))") == 0)
        #expect(
            try await server.database.scalar(
                "SELECT count(*) FROM member_history WHERE member_id IN (\(f.familySQL)) AND detail::text LIKE '%nana-%'") == 0)

    }

    @Test("pushes of the member's account while it is erased are all applied: before the erasure, or to a new member after it")
    func pushesDuringErasure() async throws {
        try await withTestServer(poolSize: 6) { server in
            let f = try await PrivacyFixture.make(server)
            let agent = try await server.client(token: try await server.token(role: .agent, shop: "sh01"))
            async let pushed: [JSONValue] = {
                var results: [JSONValue] = []
                for i in 0..<30 {
                    var m = PrivacyFixture.web
                    m["nickname"] = .string("Nana \(i)")
                    results += try await agent.push("sh01", [Events.upsert("race-\(i)", "web", "nana-web", m, at: When.at(days: Double(i) / 1_000))])
                }
                return results
            }()
            try await Task.sleep(for: .milliseconds(30))
            let erased = try await f.admin.call("member.erase", ["member_id": f.live, "reason": "asked"])
            let results = try await pushed
            #expect(erased["erased"] == true)
            #expect(results.allSatisfy { $0["status"] == "applied" })
            let after = try await f.admin.member(["shop": "sh01", "channel": "web", "external_id": "nana-web"])
            #expect(after["member_id"] != f.live)
            #expect(try await f.admin.member(["member_id": f.live])["name"] == .null)
            #expect(try await f.admin.verify()["ok"] == true)
        }
    }

    @Test("a data key another member's rows are sealed under too (an upgraded database, a merge undone since) is kept; the erased values go")
    func sharedKeyKept() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let a = try await admin.push("sh01", [Events.upsert("sk-1", "web", "share-a", ["name": "甲", "phone": "13922220001"])])[0]["member_id"]!
            let x = try await admin.push("sh01", [Events.upsert("sk-2", "web", "share-x", ["name": "乙", "phone": "13922220002"])])[0]["member_id"]!
            // As the upgrade of a database written before encryption leaves it: the account of x, once merged
            // into a, was sealed under a's key; the merge was undone afterwards.
            try server.database.withConnection { c in
                _ = try c.query(
                    """
                    UPDATE account x SET key_id = a.key_id, name_sealed = a.name_sealed, phone_sealed = a.phone_sealed, raw_sealed = a.raw_sealed,
                           platform_ids_sealed = a.platform_ids_sealed, attributes_sealed = a.attributes_sealed, match_sealed = NULL
                    FROM account a WHERE a.external_id = 'share-a' AND x.external_id = 'share-x'
                    """)
                _ = try c.query(
                    """
                    INSERT INTO merge_record (survivor_id, merged_id, account_ids, snapshot, rule, actor, undone_at)
                    SELECT $1, $2, ARRAY[id], '{}', 'manual', 'test', now() FROM account WHERE external_id = 'share-x'
                    """, [.int(Int64(a.stringValue!)!), .int(Int64(x.stringValue!)!)])
            }
            let key = "(SELECT key_id FROM account WHERE external_id = 'share-x')"
            _ = try await admin.call("member.erase", ["member_id": a, "reason": "asked"])
            #expect(try await server.database.scalar("SELECT count(*) FROM data_key WHERE id = \(key) AND destroyed_at IS NULL") == 1)
            #expect(try await server.database.scalar("SELECT count(*) FROM audit_log WHERE action = 'member.erase' AND detail->>'keys_kept' = '1'") == 1)
            #expect(try await admin.member(["member_id": a])["name"] == .null)
            let other = try await admin.call("member.export", ["member_id": x])
            #expect(other["accounts"]?.arrayValue?.first?["person"]?["name"] == "甲", "x's account still opens under the kept key")
            #expect(try await admin.member(["member_id": x])["name"] == "乙")
        }
    }

    @Test("erasing an unknown member is refused and changes nothing; an account name of an erased member cannot be pushed")
    func unknownMember() async throws {
        try await withTestServer { server in
            let f = try await PrivacyFixture.make(server)
            let error = await rpcError { try await f.admin.call("member.erase", ["member_id": "999999", "reason": "asked"]) }
            #expect(error?.code == -32004)
            #expect(error?.reason == "member_not_found")
            #expect(try await server.database.scalar("SELECT count(*) FROM data_key WHERE destroyed_at IS NOT NULL") == 0)
            #expect(try await server.database.scalar("SELECT count(*) FROM audit_log WHERE action = 'member.erase'") == 0)
            #expect(try await f.admin.member(["phone": "13911110001"])["member_id"] == f.live)
            let reserved = try await f.admin.push("sh01", [Events.upsert("pf-7", "web", "erased:1", ["name": "x"])])[0]
            #expect(reserved["status"] == "rejected")
            #expect(reserved["error"]?["data"]?["field"] == "events[0].member.external_id")
        }
    }
}
