import CRMClient
import CRMJSON
import CRMProtocol
import Foundation
import Testing

/// crmctl for staff limited to shops and for the access audit, as an admin types it.
@Suite("crmctl token --shops and crmctl audit")
struct AccessProcessTests {
    @Test("crmctl token create --shops limits a token, token list shows it; crmctl audit lists reads by member and by token name")
    func shopsAndAudit() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let pushed = try await admin.push(
                "sh01", [Events.upsert("p1", "web", "w-1", ["name": "馮一", "phone": "13933330001"]), Events.upsert("p2", "web", "w-2", ["name": "馮二"])])
            let (one, two) = (pushed[0]["member_id"]!.stringValue!, pushed[1]["member_id"]!.stringValue!)
            let env = ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": server.adminToken]

            let created = try await runBinary("crmctl", ["token", "create", "--role", "operator", "--shops", "sh01, sh02", "--name", "加盟店"], environment: env)
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stderr.contains("shops sh01,sh02"), "\(created.stderr)")
            let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let listed = try await runBinary("crmctl", ["token", "list"], environment: env)
            #expect(listed.stdout.split(separator: "\n").contains { $0.contains("加盟店") && $0.contains("sh01,sh02") }, "\(listed.stdout)")
            let agent = try await runBinary("crmctl", ["token", "create", "--role", "agent", "--shop", "sh01", "--shops", "sh01"], environment: env)
            #expect(agent.status != 0)

            let staff = ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": token]
            #expect(try await runBinary("crmctl", ["member", "get", one], environment: staff).status == 0)
            #expect(try await runBinary("crmctl", ["member", "get", two], environment: staff).status == 0)
            #expect(try await runBinary("crmctl", ["member", "get", one], environment: env).status == 0)

            let all = try await runBinary("crmctl", ["audit"], environment: env)
            #expect(all.status == 0, "\(all.stderr) \(all.stdout)")
            let lines = all.stdout.split(separator: "\n")
            #expect(lines.first?.contains("method") == true && lines.filter { $0.contains("member.get") }.count == 3, "\(all.stdout)")
            let byMember = try await runBinary("crmctl", ["audit", "--member", one], environment: env)
            #expect(byMember.stdout.split(separator: "\n").filter { $0.contains("member.get") }.count == 2, "\(byMember.stdout)")
            let byToken = try await runBinary("crmctl", ["audit", "--by", "加盟店", "--json"], environment: env)
            let entries = try JSONParser.parse(byToken.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).arrayValue ?? []
            #expect(entries.count == 2 && entries.allSatisfy { $0["token_name"] == "加盟店" && $0["fields"]?.arrayValue?.first == "name" })
            #expect(entries.map { $0["member_ids"] } == [[.string(two)], [.string(one)]])
            // Only the admin reads the audit.
            let refused = try await runBinary("crmctl", ["audit"], environment: staff)
            #expect(refused.status != 0)
        }
    }
}
