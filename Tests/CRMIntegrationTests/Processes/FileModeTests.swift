import CRMClient
import CRMProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files the clients write hold members' personal data (or the merchant's figures): each is
/// created with mode 0600, whatever the umask and whatever an earlier run left behind.
@Suite("files the clients write")
struct FileModeTests {
    static func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test("segment exports, the HTML report, points-expiry's warning list and store-sync's rejects file are mode 0600, even over a stale temporary file")
    func modes() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let pushed = try await admin.push("sh01", [Events.upsert("f1", "web", "w-1", ["name": "吳一", "phone": "13922220001", "region": "杭州"])])
            _ = try await admin.call("points.adjust", ["member_id": pushed[0]["member_id"]!, "points": 10, "idempotency_key": "f", "reason": "gift"])
            _ = try await admin.call("segment.save", ["name": "hz", "filter": ["region": ["杭州"]]])
            let env = ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": server.adminToken]
            try await withTemporaryDirectory { dir in
                // A temporary file an earlier run left readable by all.
                let stale = open(dir + "/members.csv.partial", O_WRONLY | O_CREAT, 0o666)
                #expect(stale >= 0 && fchmod(stale, 0o666) == 0)
                close(stale)
                let written: [String: [String]] = [
                    "members.csv": ["crmctl", "segment", "export", "hz", "--out", dir + "/members.csv"],
                    "members.jsonl": ["crmctl", "segment", "export", "hz", "--out", dir + "/members.jsonl"],
                    "report.html": ["crmctl", "report", "--html", dir + "/report.html"],
                    "warn.csv": ["points-expiry", "warn", "--within", "3650d", "--out", dir + "/warn.csv"],
                ]
                for (file, command) in written.sorted(by: { $0.key < $1.key }) {
                    let run = try await runBinary(command[0], Array(command.dropFirst()), environment: env)
                    #expect(run.status == 0, "\(file): \(run.stderr)")
                    #expect(try Self.mode(dir + "/" + file) == 0o600, "\(file)")
                }
                #expect(try String(contentsOfFile: dir + "/warn.csv", encoding: .utf8).contains("13922220001"))

                // store-sync: a line crmd refuses goes to the rejects file, with what the shop sent.
                let source = dir + "/events.jsonl"
                try (JSONSerializer.serialize(Events.upsert("r1", "web", "w-2", ["name": "鄭二", "phone": "not a phone"])) + "\n")
                    .write(toFile: source, atomically: true, encoding: .utf8)
                let agent = try await server.token(role: .agent, shop: "sh01")
                let push = try await runBinary(
                    "store-sync", ["push", "--shop", "sh01", "--source", source],
                    environment: ["CRM_SERVER": "127.0.0.1:\(server.port)", "CRM_TOKEN": agent])
                #expect(push.status == 0, "\(push.stderr)")
                #expect(try Self.mode(source + ".rejects") == 0o600)
            }
        }
    }
}
