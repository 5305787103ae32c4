import CRMClient
import CRMJSON
import CRMProtocol
import Foundation
import Testing

@Suite("crmctl tag, segment and report commands")
struct SegmentProcessTests {
    @Test("crmctl tags by hand and by rules with back-fill, saves, previews, exports (CSV and JSON lines) and tags segments, prints reports and an HTML page")
    func crmctl() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let f = try await SegmentFixture.load(admin)
            let env = ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": server.adminToken]
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crm-seg-\(UInt64.random(in: 0...UInt64.max))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }

            #expect(try await runBinary("crmctl", ["tag", "define", "蕾絲", "--group", "偏好"], environment: env).status == 0)
            #expect(try await runBinary("crmctl", ["tag", "define", "VIP客戶"], environment: env).status == 0)
            let add = try await runBinary("crmctl", ["tag", "add", f.ids["B"]!, "VIP客戶"], environment: env)
            #expect(add.stdout.contains("now carries VIP客戶"), "\(add.stderr)")
            let rule = try await runBinary("crmctl", ["tag", "rule", "add", "lace", "--tag", "蕾絲", "--name-contains", "蕾絲"], environment: env)
            #expect(rule.status == 0, "\(rule.stderr)")
            let backfill = try await runBinary("crmctl", ["tag", "rule", "backfill", "lace", "--batch", "4"], environment: env)
            #expect(backfill.status == 0, "\(backfill.stderr)")
            #expect(backfill.stdout.contains("13 orders matched, 3 tags added"), "\(backfill.stdout)")  // A's two accounts, C
            let shown = try await runBinary("crmctl", ["tag", "get", f.ids["A"]!], environment: env)
            #expect(shown.stdout.contains("rule lace"))
            #expect(try await runBinary("crmctl", ["tag", "list"], environment: env).stdout.contains("偏好"))

            let filterFile = dir.appendingPathComponent("lace.json").path
            try Data(#"{"or": [{"tags": {"any": ["蕾絲", "VIP客戶"]}}, {"region": ["北京"]}]}"#.utf8).write(to: URL(fileURLWithPath: filterFile))
            #expect(try await runBinary("crmctl", ["segment", "save", "campaign", filterFile, "--description", "autumn"], environment: env).status == 0)
            let preview = try await runBinary("crmctl", ["segment", "preview", "campaign"], environment: env)
            #expect(preview.stdout.hasPrefix("4 members"), "\(preview.stdout)\(preview.stderr)")  // A, B, C, D
            let bad = try await runBinary(
                "crmctl", ["segment", "preview", "--filter", filterFile.replacingOccurrences(of: "lace", with: "missing")], environment: env)
            #expect(bad.status == 1)

            let csv = dir.appendingPathComponent("campaign.csv").path
            let export = try await runBinary("crmctl", ["segment", "export", "campaign", "--out", csv, "--page-size", "2"], environment: env)
            #expect(export.status == 0, "\(export.stderr)")
            #expect(export.stdout.contains("wrote 4 members"))
            let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 5)
            #expect(lines[0] == "member_id,name,phone,email,gender,region,address,level,points,tags,created_at")
            #expect(lines.contains { $0.hasPrefix(f.ids["A"]! + ",王小明,+8613800138001") })
            #expect(!FileManager.default.fileExists(atPath: csv + ".partial"))

            // The analyst's export is masked.
            let analyst = ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": try await server.token(role: .analyst)]
            let jsonl = dir.appendingPathComponent("campaign.jsonl").path
            #expect(try await runBinary("crmctl", ["segment", "export", "campaign", "--out", jsonl], environment: analyst).status == 0)
            let rows = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
            #expect(rows.count == 4)
            #expect(rows.allSatisfy { $0["phone"]!.stringValue!.contains("****") })
            #expect(try await runBinary("crmctl", ["segment", "tag", "campaign", "VIP客戶"], environment: analyst).status == 1)

            let tagged = try await runBinary("crmctl", ["segment", "tag", "campaign", "VIP客戶"], environment: env)
            #expect(tagged.stdout.contains("4 of the segment's 4 members newly tagged"), "\(tagged.stdout)")

            for (kind, expected) in [
                ("rfm", "R × F"), ("pyramid", "top"), ("lifecycle", "churned"), ("levels", "senior"), ("channels", "mobile+web"),
                ("groups", "3+_in_year"), ("seasons", "season(s)"), ("repurchase", "repurchase rate"),
            ] {
                let out = try await runBinary("crmctl", ["report", kind, "--as-of", SegmentFixture.asOf], environment: env)
                    .stdout
                #expect(out.contains(expected), "crmctl report \(kind): \(out)")
                // The subcommand's --as-of reaches the server (the report command's own --as-of, for --html, once took it).
                if kind == "rfm" { #expect(out.contains("as of \(SegmentFixture.asOf)"), "\(out)") }
                if kind != "repurchase" { #expect(out.contains("█"), "crmctl report \(kind) draws bars") }
            }
            let html = dir.appendingPathComponent("report.html").path
            let page = try await runBinary("crmctl", ["report", "--html", html, "--as-of", SegmentFixture.asOf], environment: env)
            #expect(page.status == 0, "\(page.stderr)")
            let text = try String(contentsOfFile: html, encoding: .utf8)
            #expect(text.hasPrefix("<!doctype html>"))
            #expect(text.components(separatedBy: "<svg").count - 1 == 10)
            #expect(!text.contains("<script"))
            #expect(text.contains("王") == false)  // reports carry no personal data
        }
    }
}
