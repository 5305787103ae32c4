import CRMClient
import CRMJSON
import CRMProtocol
import Foundation
import Testing

/// `crmctl coupon …` and `points-expiry coupons` as an operator runs them, against a real server.
@Suite("coupons from the command line")
struct CouponProcessTests {
    @Test("crmctl adds a template, issues it to a segment resumably, shows the coupons and the 核銷率; points-expiry coupons expires")
    func operatorCommands() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let members = try await admin.members(7, prefix: "c", region: "杭州")
            _ = try await admin.call("segment.save", ["name": "杭州", "filter": ["region": ["杭州"]]])
            let env = ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": server.adminToken]
            func crmctl(_ args: [String]) async throws -> CommandOutput {
                let out = try await runBinary("crmctl", args, environment: env)
                #expect(out.status == 0, "\(args): \(out.stderr)")
                return out
            }
            let added = try await crmctl(["coupon", "template", "add", "滿100減3", "--amount", "3.00", "--min-spend", "100.00", "--budget", "100"])
            #expect(added.stdout.contains("template 滿100減3 version 1: ¥3.00 off from ¥100.00, 30 days, 1 per member"), "\(added.stdout)")
            let issued = try await crmctl(["coupon", "issue", "滿100減3", "--segment", "杭州", "--key", "w1", "--batch", "3"])
            #expect(issued.stdout.contains("7/7 members, 7 issued, 0 skipped"), "\(issued.stdout)")
            #expect(issued.stderr.contains("3/7 members, 3 issued"), "\(issued.stderr)")
            let again = try await crmctl(["coupon", "issue", "滿100減3", "--segment", "杭州", "--key", "w1", "--json"])
            #expect(try JSONParser.parse(again.stdout)["replayed"] == true)
            let listed = try await crmctl(["coupon", "list", members[0].stringValue!, "--json"])
            let code = try JSONParser.parse(listed.stdout)["coupons"]!.arrayValue![0]["code"]!.stringValue!
            let redeemed = try await crmctl(["coupon", "redeem", code, "--shop", "sh01", "--amount", "120.00", "--key", "pos-1"])
            #expect(redeemed.stdout.contains("¥3.00 off"), "\(redeemed.stdout)")
            let shown = try await crmctl(["coupon", "show", code])
            #expect(shown.stdout.contains("redeem"), "\(shown.stdout)")
            let stats = try await crmctl(["coupon", "stats"])
            #expect(stats.stdout.contains("14.29 %"), "\(stats.stdout)")
            let verify = try await crmctl(["verify"])
            #expect(verify.stdout.contains("coupons: issued 7; redeemed 1 + expired 0 + voided 0 + usable 6"), "\(verify.stdout)")
            let expiry = try await runBinary("points-expiry", ["coupons"], environment: env)
            #expect(expiry.status == 0, "\(expiry.stderr)")
            #expect(expiry.stderr.contains("0 coupons expired as of"), "\(expiry.stderr)")
        }
    }
}
