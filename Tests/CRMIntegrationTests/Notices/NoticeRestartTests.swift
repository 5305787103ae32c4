import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import Foundation
import Testing

/// The outbox across a crmd killed with SIGKILL: what a reader had not acknowledged is delivered
/// again after the restart, in order, with the ids it had.
@Suite("notices across a crmd kill -9")
struct NoticeRestartTests {
    @Test("crmd killed with SIGKILL and restarted: pull returns everything unacknowledged, in order, with the same ids")
    func killedAndRestarted() async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            let admin = try await crmd.adminClient()
            var events: [JSONValue] = []
            for i in 0..<20 {
                events.append(Events.paid("o-\(i)", "web", order: "o-\(i)", member: "u-\(i)", amount: "10.00", at: When.at(days: -340)))
            }
            #expect(try await admin.push("sh01", events).allSatisfy { $0["status"] == "applied" })
            let scan = try await admin.call("notice.scan", ["limit": 1_000])
            #expect(scan["points_expiring"] == 20)
            let token = try await admin.call("token.create", ["role": "operator", "name": "sms-gateway"])["token"]!.stringValue!
            await admin.close()
            var gateway = try await RPCClient.connect(host: "127.0.0.1", port: crmd.port)
            _ = try await gateway.call("session.hello", ["token": .string(token)])
            let acked = try await gateway.pull(limit: 5)
            try await gateway.ack(through: acked.last!["id"]!.int64Value!)
            let unacked = try await gateway.pull(limit: 5)
            // Written after the last pull: not numbered yet when crmd dies.
            try db.withConnection { c in
                let members = try c.query("SELECT id FROM member ORDER BY id LIMIT 3").map { try $0.decode(Int64.self, at: 0) }
                for m in members { try NoticeFixture.write(c, member: m, kind: .levelUp, body: ["after_kill": true]) }
            }
            crmd.process.signal(SIGKILL)
            #expect(await crmd.process.wait(timeout: 10) == 128 + SIGKILL)
            await gateway.close()

            let port = freePort()
            let restarted = try await startCRMD(
                arguments: ["--database-url", db.connectionString], environment: ["CRM_ADMIN_TOKEN": crmd.adminToken], port: port)
            defer { Task { await restarted.kill9() } }
            gateway = try await RPCClient.connect(host: "127.0.0.1", port: port)
            _ = try await gateway.call("session.hello", ["token": .string(token)])
            let after = try await gateway.pull()
            let ids = after.map { $0["id"]!.int64Value! }
            #expect(after.count == 15 + 3)
            #expect(ids == ids.sorted() && Set(ids).count == ids.count)
            #expect(ids.first! > acked.last!["id"]!.int64Value!)
            #expect(Array(after.prefix(5)) == unacked, "pulled before the kill, not acknowledged: the same notices with the same ids")
            #expect(after.suffix(3).allSatisfy { $0["after_kill"] == true })
            #expect(Set(after.prefix(15).map { $0["member_id"]!.stringValue! }).count == 15)
            try await gateway.ack(through: ids.last!)
            #expect(try await gateway.pull().isEmpty)
            await gateway.close()
        }
    }
}
