import CRMClient
import CRMJSON
import CRMProtocol
import Foundation
import Testing

/// `crmctl coupon rule …` and `crmctl coupon exchange` as an operator runs them, against a real server.
@Suite("coupon tier rules and points exchanges from the command line")
struct CouponFlowProcessTests {
    @Test("crmctl adds, lists and disables a tier rule; exchanges points for a coupon, once per key")
    func rulesAndExchange() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let member = try await admin.push("sh01", [Events.upsert("e1", "web", "u-1")])[0]["member_id"]!.stringValue!
            let env = ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": server.adminToken]
            func crmctl(_ args: [String], ok: Bool = true) async throws -> CommandOutput {
                let out = try await runBinary("crmctl", args, environment: env)
                #expect((out.status == 0) == ok, "\(args): \(out.stdout) \(out.stderr)")
                return out
            }
            _ = try await crmctl(["coupon", "template", "add", "T3", "--amount", "3.00"])
            _ = try await crmctl(["coupon", "template", "add", "換券", "--amount", "5.00", "--points-price", "200", "--per-member", "5"])

            let added = try await crmctl([
                "coupon", "rule", "add", "滿額送", "--tier", "100.00:T3", "--tier", "150.00:換券", "--shop", "sh01", "--channel", "web",
            ])
            #expect(added.stdout.contains("coupon rule 滿額送 version 1"), "\(added.stdout)")
            #expect(added.stdout.contains("is in force: ¥100.00 → T3, ¥150.00 → 換券; shop=sh01 channel=web"), "\(added.stdout)")
            let listed = try await crmctl(["coupon", "rule", "list"])
            #expect(listed.stdout.contains("滿額送") && listed.stdout.contains("¥100.00 → T3, ¥150.00 → 換券"), "\(listed.stdout)")
            let listedJSON = try JSONParser.parse(try await crmctl(["coupon", "rule", "list", "--json"]).stdout)
            let tiers = listedJSON["rules"]?.arrayValue?.first?["tiers"]
            #expect(tiers == [["min_amount": "100.00", "template": "T3"], ["min_amount": "150.00", "template": "換券"]])
            let badTier = try await crmctl(["coupon", "rule", "add", "X", "--tier", "100.00"], ok: false)
            #expect(badTier.stderr.contains("--tier must be AMOUNT:TEMPLATE"), "\(badTier.stderr)")

            // Points through the existing means, then a coupon for them; the same key answers the same coupon.
            _ = try await crmctl(["points", "adjust", member, "--points", "500", "--key", "gift-1", "--reason", "test"])
            let bought = try await crmctl(["coupon", "exchange", member, "換券", "--key", "x1", "--json"])
            let first = try JSONParser.parse(bought.stdout)
            let code = try #require(first["code"]?.stringValue)
            #expect(first["points"] == 200 && first["balance"] == 300 && first["replayed"] == false)
            let replay = try await crmctl(["coupon", "exchange", member, "換券", "--key", "x1"])
            #expect(replay.stdout.contains("coupon \(code) (換券) to member \(member) for 200 points; balance now 300"), "\(replay.stdout)")
            #expect(replay.stdout.contains("replayed"), "\(replay.stdout)")
            let keyless = try await crmctl(["coupon", "exchange", member, "換券"])
            #expect(keyless.stderr.contains("key: crmctl-"), "\(keyless.stderr)")
            #expect(keyless.stdout.contains("for 200 points; balance now 100"), "\(keyless.stdout)")
            let short = try await crmctl(["coupon", "exchange", member, "換券", "--key", "x3"], ok: false)
            #expect(short.stderr.contains("insufficient_points") && short.stderr.contains("crmctl points get"), "\(short.stderr)")
            #expect(try server.database.texts("SELECT count(*)::text FROM coupon WHERE source = 'points'") == ["2"])

            let disabled = try await crmctl(["coupon", "rule", "disable", "滿額送"])
            #expect(disabled.stdout.contains("disabled coupon rule 滿額送"), "\(disabled.stdout)")
            #expect(try await crmctl(["coupon", "rule", "list"]).stdout.contains("no coupon rules in force"))
            let all = try await crmctl(["coupon", "rule", "list", "--all"])
            #expect(all.stdout.contains("滿額送") && all.stdout.contains("disabled"), "\(all.stdout)")
            let again = try await crmctl(["coupon", "rule", "disable", "滿額送"], ok: false)
            #expect(again.stderr.contains("rule_not_found"), "\(again.stderr)")
        }
    }
}
