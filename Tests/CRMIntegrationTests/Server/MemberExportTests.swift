import CRMClient
import CRMDomain
import CRMJSON
import CRMProtocol
import Foundation
import Testing

@Suite("member.export over the real server")
struct MemberExportTests {
    @Test("the export holds every section with the values pushed, decrypted; it is audited; analysts cannot export")
    func export() async throws {
        try await withTestServer { server in
            let f = try await PrivacyFixture.make(server)
            let operatorClient = try await server.client(token: try await server.token(role: .operator))
            let d = try await operatorClient.call("member.export", ["member_id": f.merged])
            #expect(d["format"] == "crm-member-export-1")
            #expect(d["member_id"] == f.live)
            #expect(d["merged_members"] == [f.merged])
            #expect(d["erased"] == false)
            #expect(d["person"]?["name"] == "歐陽娜娜")
            #expect(d["person"]?["phone"] == "+8613911110001")
            #expect(d["person"]?["address"] == "上海市徐匯區衡山路8號")
            #expect(d["person"]?["birthday"] == "1990-05-17")
            let accounts = d["accounts"]?.arrayValue ?? []
            #expect(Set(accounts.compactMap { $0["external_id"]?.stringValue }) == ["nana-web", "nana-app"])
            let web = accounts.first { $0["external_id"] == "nana-web" }
            #expect(web?["person"]?["email"] == "nana.ouyang@example.com")
            #expect(web?["platform_ids"] == ["wechat_unionid": "o6_nana_union"])
            #expect(web?["attributes"]?["skin_type"] == "乾性肌膚")
            #expect(web?["raw"]?["occupation"] == "設計師", "the member object as the channel sent it")
            #expect(web?["raw"]?["nickname"] == "Nana")
            #expect(d["orders"]?["total"] == 2)
            #expect(Set(d["orders"]?["items"]?.arrayValue?.compactMap { $0["order_no"]?.stringValue } ?? []) == ["PF-1", "PF-2"])
            #expect(d["refunds"]?["items"]?.arrayValue?.first?["refund_no"] == "PF-R1")
            let points = try await f.admin.points(f.live)
            #expect(d["points"]?["balance"]?.int64Value == points.balance)
            #expect(d["points"]?["pending"]?.int64Value == points.pending)
            #expect((d["points"]?["entries"]?["total"]?.int64Value ?? 0) >= 2)
            #expect(d["level"]?["code"] == "regular")
            #expect(d["coupons"]?["items"]?.arrayValue?.first?["code"] == .string(f.couponCode))
            #expect(d["tags"] == ["pf-vip"])
            #expect(d["consent"]?["channels"]?.arrayValue?.first?["channel"] == "sms")
            #expect(d["consent"]?["channels"]?.arrayValue?.first?["source"] == "store_paper")
            #expect(d["consent"]?["history"]?["total"] == 1)
            #expect(d["referrals"]?["referred"]?["total"] == 0)
            #expect(d["notices"]?["truncated"] == false)
            #expect(
                try await server.database.scalar(
                    "SELECT count(*) FROM audit_log WHERE action = 'member.export' AND subject = 'member:\(f.live.stringValue!)' AND token_id IS NOT NULL") == 1
            )

            let analyst = try await server.client(token: try await server.token(role: .analyst))
            #expect(await rpcError { try await analyst.call("member.export", ["member_id": f.live]) }?.code == -32003)
            #expect(await rpcError { try await f.admin.call("member.export", ["member_id": "999999"]) }?.reason == "member_not_found")
        }
    }

    @Test("a long list is cut to the newest 1,000 entries and says so; an erased member's export keeps the books and nothing personal")
    func capAndErased() async throws {
        try await withTestServer { server in
            let f = try await PrivacyFixture.make(server)
            try server.database.withConnection { c in
                _ = try c.query(
                    "INSERT INTO member_notice (member_id, kind, marketing, body) SELECT $1, 'level_up', false, jsonb_build_object('n', n) FROM generate_series(1, 1001) n",
                    [.int(Int64(f.live.stringValue!)!)])
            }
            var d = try await f.admin.call("member.export", ["member_id": f.live])
            let notices = d["notices"]!
            #expect(notices["truncated"] == true)
            #expect((notices["total"]?.int64Value ?? 0) >= 1_001)
            #expect(notices["items"]?.arrayValue?.count == 1_000)
            #expect(notices["items"]?.arrayValue?.first?["body"]?["n"] == 1_001, "newest first")

            _ = try await f.admin.call("member.erase", ["member_id": f.live, "reason": "asked"])
            d = try await f.admin.call("member.export", ["member_id": f.live])
            #expect(d["erased"] == true)
            for field in ["name", "phone", "email", "birthday", "address", "gender", "region"] { #expect(d["person"]?[field] == .null) }
            #expect(d["accounts"]?.arrayValue?.allSatisfy { $0["raw"] == .null && $0["person"]?["phone"] == .null } == true)
            #expect(d["orders"]?["total"] == 2)
            #expect(d["consent"]?["channels"] == [])
        }
    }

    @Test("crmctl member export writes a 0600 file; crmctl member erase needs --yes")
    func crmctl() async throws {
        try await withTestServer { server in
            let f = try await PrivacyFixture.make(server)
            let env = ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": server.adminToken]
            let id = f.live.stringValue!
            try await withTemporaryDirectory { dir in
                let path = dir + "/member.json"
                let out = try await runBinary("crmctl", ["member", "export", id, "--output", path], environment: env)
                #expect(out.status == 0, "\(out.stderr)")
                let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
                #expect(mode == 0o600)
                let document = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
                #expect(document["person"]?["name"] == "歐陽娜娜")

                let unconfirmed = try await runBinary("crmctl", ["member", "erase", id, "--reason", "asked"], environment: env)
                #expect(unconfirmed.status != 0)
                #expect(unconfirmed.stderr.contains("--yes"), "\(unconfirmed.stderr)")
                #expect(try await f.admin.member(["member_id": f.live])["name"] == "歐陽娜娜")
                let erased = try await runBinary("crmctl", ["member", "erase", id, "--reason", "asked", "--yes"], environment: env)
                #expect(erased.status == 0, "\(erased.stderr)")
                #expect(try await f.admin.member(["member_id": f.live])["name"] == .null)
            }
        }
    }
}
