import CRMClient
import CRMJSON
import CRMProtocol
import Foundation
import Testing

@Suite("crmctl campaign report")
struct CampaignReportProcessTests {
    @Test("crmctl prints the report as tables with rate bars, one wave with --wave, JSON with --json, and a campaign section in the HTML page")
    func crmctl() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let ids = try await CampaignReportTests.members(admin)
            try await CampaignReportTests.orders(admin)
            let (coupons, entries) = try await CampaignReportTests.rewards(admin, server, ids)
            try CampaignReportTests.insertCampaign(server, ids, coupons: coupons, entries: entries)
            try await CampaignReportTests.merge(admin, server, ids)
            let env = ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": server.adminToken]
            let name = CampaignReportTests.name

            let out = try await runBinary("crmctl", ["campaign", "report", name], environment: env)
            #expect(out.status == 0, "\(out.stderr)")
            for expected in ["Total (2 waves", "Wave 1: started", "Wave 2: started", "treated vs control", "coupon vs points", "核銷率", "█"] {
                #expect(out.stdout.contains(expected), "\(expected) in \(out.stdout)")
            }
            let totalTreated = try #require(out.stdout.split(separator: "\n").first { $0.hasPrefix("treated ") })
            #expect(totalTreated.split(separator: " ").map(String.init) == ["treated", "8", "7", "0.8750", "8", "630.00", "38.1", "5", "2", "0.4000", "18.00"])

            let wave = try await runBinary("crmctl", ["campaign", "report", name, "--wave", "2", "--json"], environment: env)
            #expect(wave.status == 0, "\(wave.stderr)")
            let json = try JSONParser.parse(wave.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(json["occasion"] == 2 && json["treated"]?["gmv"] == "90.00")

            let missing = try await runBinary("crmctl", ["campaign", "report", "nothing"], environment: env)
            #expect(missing.status != 0 && missing.stderr.contains("no campaign named nothing"), "\(missing.stderr)")

            let html = FileManager.default.temporaryDirectory.appendingPathComponent("crm-campaign-\(UInt64.random(in: 0...UInt64.max)).html").path
            defer { try? FileManager.default.removeItem(atPath: html) }
            let page = try await runBinary("crmctl", ["report", "--html", html, "--campaign", name], environment: env)
            #expect(page.status == 0, "\(page.stderr)")
            let text = try String(contentsOfFile: html, encoding: .utf8)
            #expect(text.contains("<h2>Campaigns</h2>") && text.contains("<h3>\(name)</h3>") && text.contains("coupon vs control"))
            #expect(text.components(separatedBy: "<svg").count - 1 == 12)  // the ten member charts, rate bars and the uplift intervals
            #expect(!text.contains("<script") && !text.contains("活動會員"))
        }
    }
}
