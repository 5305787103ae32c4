import CRMClient
import CRMDomain
import CRMJSON
import CRMProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `points-expiry notices`, `crmctl notice tail` and `crmctl consent` as an operator runs them.
@Suite("notice and consent commands as processes")
struct NoticeProcessTests {
    @Test("points-expiry notices writes once; crmctl notice tail shows without moving, --ack moves on, --follow waits for more")
    func scanAndTail() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let members = try await server.members(2, admin: admin, paidDaysAgo: 340)
            let env = ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": server.adminToken]
            let first = try await runBinary("points-expiry", ["notices", "--batch-size", "1"], environment: env)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("notices: 2 points_expiring and 0 coupon_expiring written"), "\(first.stdout)")
            let again = try await runBinary("points-expiry", ["notices"], environment: env)
            #expect(again.stdout.contains("notices: 0 points_expiring"), "\(again.stdout)")

            let peek = try await runBinary("crmctl", ["notice", "tail"], environment: env)
            #expect(peek.status == 0, "\(peek.stderr)")
            let lines = peek.stdout.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(
                lines.first?.contains("member \(members[0]) points_expiring service sms,wechat,email,app_push,phone {\"points\":100") == true, "\(peek.stdout)")
            #expect(try await runBinary("crmctl", ["notice", "tail"], environment: env).stdout == peek.stdout, "without --ack nothing moves")
            let taken = try await runBinary("crmctl", ["notice", "tail", "--ack", "--json", "--limit", "1"], environment: env)
            let json = try taken.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
            #expect(json.map { $0["kind"] } == ["points_expiring", "points_expiring"])
            #expect(try await runBinary("crmctl", ["notice", "tail"], environment: env).stdout.isEmpty)

            let follow = try SpawnedProcess(Binaries.path("crmctl"), ["notice", "tail", "--follow", "--ack", "--interval", "0.2"], environment: env)
            defer { Task { await follow.kill9() } }
            try server.database.withConnection { c in try NoticeFixture.write(c, member: members[1], kind: .levelUp, body: ["to": "vip"]) }
            var seen = false
            for _ in 0..<200 where !seen {
                seen = follow.log.contains("level_up")
                if !seen { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(seen, "\(follow.log)")
            follow.signal(SIGTERM)
            #expect(await follow.wait(timeout: 10) == 0, "\(follow.log)")
            #expect(try await runBinary("crmctl", ["notice", "tail"], environment: env).stdout.isEmpty, "--follow --ack acknowledged it")
        }
    }

    @Test("crmctl consent set and get")
    func consent() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await server.members(1, admin: admin)[0]
            let env = ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": server.adminToken]
            let set = try await runBinary("crmctl", ["consent", "set", String(m), "wechat", "granted", "--source", "wechat_form"], environment: env)
            #expect(set.status == 0, "\(set.stderr)")
            #expect(set.stdout.contains("wechat granted (wechat_form"), "\(set.stdout)")
            let same = try await runBinary("crmctl", ["consent", "set", String(m), "wechat", "granted", "--source", "wechat_form"], environment: env)
            #expect(same.stdout.contains("nothing changed"), "\(same.stdout)")
            let bad = try await runBinary("crmctl", ["consent", "set", String(m), "wechat", "maybe", "--source", "x"], environment: env)
            #expect(bad.status == 64)
            let got = try await runBinary("crmctl", ["consent", "get", String(m), "--history"], environment: env)
            #expect(got.status == 0, "\(got.stderr)")
            #expect(got.stdout.contains("marketing  wechat"), "\(got.stdout)")
            #expect(got.stdout.contains("set"), "\(got.stdout)")
        }
    }
}
