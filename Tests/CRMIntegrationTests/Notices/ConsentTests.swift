import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import Testing

@Suite("marketing consent over the real server")
struct ConsentTests {
    static func set(_ client: RPCClient, _ member: Int64, _ channel: String, _ granted: Bool, source: String = "wechat_form") async throws -> JSONValue {
        try await client.call(
            "consent.set", ["member_id": .string(String(member)), "channel": .string(channel), "granted": .bool(granted), "source": .string(source)])
    }

    static func channels(_ notices: [JSONValue], _ member: Int64, marketing: Bool) -> [String]? {
        notices.first { $0["member_id"] == .string(String(member)) && $0["marketing"] == .bool(marketing) }?["channels"]?.arrayValue?.map { $0.stringValue! }
    }

    @Test("marketing notices list only the channels consented to; service notices every channel")
    func channelsFollowConsent() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await server.members(2, admin: admin)
            _ = try await Self.set(admin, m[0], "sms", true)
            _ = try await Self.set(admin, m[0], "email", true, source: "store_paper")
            _ = try await Self.set(admin, m[0], "wechat", false)
            try server.database.withConnection { c in
                try NoticeFixture.write(c, member: m[0], kind: .couponIssued, marketing: true)
                try NoticeFixture.write(c, member: m[1], kind: .couponIssued, marketing: true)
                try NoticeFixture.write(c, member: m[1], kind: .levelUp)
            }
            let gateway = try await server.reader("gateway")
            let pulled = try await gateway.pull()
            #expect(Self.channels(pulled, m[0], marketing: true) == ["sms", "email"])
            #expect(Self.channels(pulled, m[1], marketing: true) == [])
            #expect(Self.channels(pulled, m[1], marketing: false) == ["sms", "wechat", "email", "app_push", "phone"])
            // Withdrawn consent counts from the next pull on, also for a notice pulled again.
            _ = try await Self.set(admin, m[0], "sms", false, source: "sms_reply_TD")
            #expect(Self.channels(try await gateway.pull(), m[0], marketing: true) == ["email"])
        }
    }

    @Test("consent.set records source and time once per answer; consent.get shows answers and history; bad input refused")
    func setAndGet() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await server.members(1, admin: admin)[0]
            let first = try await Self.set(admin, m, "app_push", true, source: "app_settings")
            #expect(first["changed"] == true)
            #expect(first["answer"]?["source"] == "app_settings")
            #expect(first["answer"]?["actor"]?.stringValue?.hasPrefix("token:") == true)
            // The same answer from the same source again changes nothing (retries are harmless).
            let again = try await Self.set(admin, m, "app_push", true, source: "app_settings")
            #expect(again["changed"] == false)
            #expect(again["answer"]?["at"] == first["answer"]?["at"])
            _ = try await Self.set(admin, m, "app_push", false, source: "app_settings")
            _ = try await Self.set(admin, m, "email", true)
            let got = try await admin.call("consent.get", ["member_id": .string(String(m)), "history": true])
            #expect(got["channels"]?.arrayValue?.map { $0["channel"]!.stringValue! } == ["email", "app_push"])
            #expect(got["marketing"] == ["email"])
            #expect(
                got["history"]?.arrayValue?.map { "\($0["channel"]!.stringValue!):\($0["granted"]!.boolValue!)" } == [
                    "email:true", "app_push:false", "app_push:true",
                ])
            #expect(try await admin.call("consent.get", ["member_id": .string(String(m))])["history"] == nil)
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            #expect(try await analyst.call("consent.get", ["member_id": .string(String(m))])["marketing"] == ["email"])
            #expect(await rpcError { try await Self.set(analyst, m, "sms", true) }?.code == -32003)
            #expect(await rpcError { try await Self.set(admin, m, "pigeon", true) }?.reason == "bad_consent")
            #expect(await rpcError { try await Self.set(admin, m, "sms", true, source: "") }?.reason == "missing_field")
            #expect(await rpcError { try await Self.set(admin, 999_999, "sms", true) }?.code == -32004)
        }
    }

    @Test("a merge keeps the survivor's answers and fills its gaps from the merged member; an unmerge takes them back")
    func mergeAndUnmerge() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await server.members(2, admin: admin)
            _ = try await Self.set(admin, m[0], "sms", true)
            _ = try await Self.set(admin, m[1], "sms", false)
            _ = try await Self.set(admin, m[1], "email", true)
            let merged = try await admin.call(
                "member.merge", ["member_id": .string(String(m[0])), "other_member_id": .string(String(m[1])), "reason": "same person"])
            #expect(merged["member_id"] == .string(String(m[0])))
            var got = try await admin.call("consent.get", ["member_id": .string(String(m[1])), "history": true])
            #expect(got["member_id"] == .string(String(m[0])), "a merged member's id answers with its survivor")
            #expect(got["marketing"] == ["sms", "email"])
            #expect(got["history"]?.arrayValue?.first?["kind"] == "merge_fill")
            // A notice written for the merged member goes to the survivor, with the survivor's consent.
            try server.database.withConnection { c in try NoticeFixture.write(c, member: m[1], kind: .couponIssued, marketing: true) }
            let pulled = try await (try await server.reader("gateway")).pull()
            #expect(pulled.first?["member_id"] == .string(String(m[0])))
            #expect(pulled.first?["channels"] == ["sms", "email"])
            _ = try await admin.call("member.unmerge", ["merge_id": merged["merge_id"]!, "reason": "two people"])
            got = try await admin.call("consent.get", ["member_id": .string(String(m[0]))])
            #expect(got["marketing"] == ["sms"])
            got = try await admin.call("consent.get", ["member_id": .string(String(m[1]))])
            #expect(got["member_id"] == .string(String(m[1])))
            #expect(got["channels"]?.arrayValue?.map { "\($0["channel"]!.stringValue!):\($0["granted"]!.boolValue!)" } == ["sms:false", "email:true"])
        }
    }
}
