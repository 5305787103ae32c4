import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import CRMStorage
import Foundation
import Synchronization
import Testing

/// `crmd keys rotate` and `crmd keys retire` as an operator runs them, beside a serving crmd.
@Suite("Key rotation")
struct KeyRotationTests {
    /// A private copy of the test run's key file: rotating the shared one would change every test's keys.
    static func privateKeyFile(in directory: String) throws -> String {
        let path = directory + "/keys.json"
        let (keys, _) = try KeyFile.read(TestKeys.path)
        try KeyFile.write(keys, to: path, replacing: false)
        return path
    }

    /// A crmd over `db` reading `keyFile`, with shop sh01, its port, admin token and an admin client.
    static func serve(_ db: TestDatabase, keyFile: String) async throws -> (SpawnedProcess, Int, String, RPCClient) {
        let port = freePort()
        let admin = AccessToken.generate()
        let crmd = try await startCRMD(
            arguments: ["--database-url", db.connectionString, "--key-file", keyFile], environment: ["CRM_ADMIN_TOKEN": admin], port: port)
        let client = try await RPCClient.connect(host: "127.0.0.1", port: port)
        _ = try await client.call("session.hello", ["token": .string(admin)])
        _ = try await client.call("shop.create", ["code": "sh01"])
        return (crmd, port, admin, client)
    }

    /// Upserts of `count` new members from `first` on, each with a name and e-mail of its own.
    static func members(from first: Int, count: Int) -> [JSONValue] {
        (first..<(first + count)).map { i in
            Events.upsert("r-\(i)", "web", "r\(i)", ["name": .string("輪換會員\(i)"), "email": .string("rot\(i)@example.com")])
        }
    }

    /// Pushes `events`, expecting each applied; returns member id by event index.
    static func pushAll(_ client: RPCClient, _ events: [JSONValue]) async throws -> [String] {
        let results = try await client.push("sh01", events)
        #expect(results.allSatisfy { $0["status"]?.stringValue == "applied" })
        return results.map { $0["member_id"]?.stringValue ?? "" }
    }

    static func rotate(_ db: TestDatabase, _ keyFile: String, _ extra: [String] = []) async throws -> CommandOutput {
        try await runBinary("crmd", ["keys", "rotate", "--database-url", db.connectionString, "--key-file", keyFile] + extra)
    }

    /// Every member still reads back with the name it was pushed with.
    static func expectReadable(_ client: RPCClient, _ ids: [(index: Int, member: String)]) async throws {
        var wrong = 0
        for (i, member) in ids {
            let got = try await client.member(["member_id": .string(member)])
            if got["name"]?.stringValue != "輪換會員\(i)" { wrong += 1 }
        }
        #expect(wrong == 0, "\(wrong) of \(ids.count) members did not read back")
    }

    @Test("rotating while pushes run rewraps every data key with the new master key and loses no member")
    func underLoad() async throws {
        try await withTestDatabase { db in
            try await withTemporaryDirectory { directory in
                let keyFile = try Self.privateKeyFile(in: directory)
                let (crmd, port, admin, client) = try await Self.serve(db, keyFile: keyFile)
                defer { Task { await crmd.kill9() } }
                var ids: [(index: Int, member: String)] = []
                for batch in 0..<3 {
                    let got = try await Self.pushAll(client, Self.members(from: batch * 200, count: 200))
                    ids += got.enumerated().map { (batch * 200 + $0.offset, $0.element) }
                }
                let rotating = Flag()
                // Pushes go on through the whole rotation, on a connection of their own.
                let load = Task { () throws -> [(index: Int, member: String)] in
                    let pusher = try await RPCClient.connect(host: "127.0.0.1", port: port)
                    _ = try await pusher.call("session.hello", ["token": .string(admin)])
                    var pushed: [(index: Int, member: String)] = []
                    var next = 600
                    while rotating.isSet || pushed.count < 100 {
                        let got = try await Self.pushAll(pusher, Self.members(from: next, count: 20))
                        pushed += got.enumerated().map { (next + $0.offset, $0.element) }
                        next += 20
                    }
                    await pusher.close()
                    return pushed
                }
                let rotation = try await Self.rotate(db, keyFile, ["--batch-size", "25"])
                rotating.clear()
                ids += try await load.value
                #expect(rotation.status == 0, "\(rotation.stderr)")
                #expect(rotation.stdout.contains("master key m1 is now current"))
                #expect(rotation.stdout.contains("none with an older one"))
                #expect(try await db.scalar("SELECT count(*)::int FROM member") == ids.count)
                #expect(try await db.scalar("SELECT count(*)::int FROM data_key WHERE master_key_id IS DISTINCT FROM 'm1'") == 0)
                #expect(try await db.scalar("SELECT count(*)::int FROM data_key") == ids.count)
                try await Self.expectReadable(client, ids)
                let (keys, _) = try KeyFile.read(keyFile)
                #expect(keys.current == "m1" && Set(keys.master.keys) == ["t1", "m1"])
                await client.close()
            }
        }
    }

    @Test("a rotation killed half-way is finished by running it again, with no further key; retiring waits for its end")
    func killedAndResumed() async throws {
        try await withTestDatabase { db in
            try await withTemporaryDirectory { directory in
                let keyFile = try Self.privateKeyFile(in: directory)
                let (crmd, _, _, client) = try await Self.serve(db, keyFile: keyFile)
                defer { Task { await crmd.kill9() } }
                var ids: [(index: Int, member: String)] = []
                for batch in 0..<3 {
                    let got = try await Self.pushAll(client, Self.members(from: batch * 200, count: 200))
                    ids += got.enumerated().map { (batch * 200 + $0.offset, $0.element) }
                }
                let first = try await Self.rotate(db, keyFile, ["--retire"])
                #expect(first.status == 0, "\(first.stderr)")
                #expect(first.stdout.contains("removed master keys t1"))
                #expect(Set(try KeyFile.read(keyFile).0.master.keys) == ["m1"])

                // Another transaction holds the newest 100 data keys: the rotation rewraps the rest, then waits for them.
                let holder = try PostgresConnection(configuration: db.configuration)
                defer { holder.close() }
                try holder.query("BEGIN")
                try holder.query("SELECT id FROM data_key ORDER BY id DESC LIMIT 100 FOR UPDATE")
                let killed = try SpawnedProcess(
                    Binaries.path("crmd"), ["keys", "rotate", "--batch-size", "7", "--database-url", db.connectionString, "--key-file", keyFile],
                    environment: [:])
                var done = 0
                for _ in 0..<3_000 where done < 500 {
                    done = try await db.scalar("SELECT count(*)::int FROM data_key WHERE master_key_id = 'm2'")
                    if done < 500 { try await Task.sleep(nanoseconds: 20_000_000) }
                }
                #expect(done == 500, "every data key but the held ones is rewrapped")
                killed.signal(SIGKILL)
                #expect(await killed.wait(timeout: 10) == 128 + SIGKILL, "killed while it waited for the held keys")
                await killed.kill9()
                try holder.query("ROLLBACK")
                #expect(try await db.scalar("SELECT count(*)::int FROM data_key WHERE master_key_id = 'm1'") == 100)
                // Half rewrapped: the serving crmd reads members under either key.
                try await Self.expectReadable(client, Array(ids.prefix(100)) + Array(ids.suffix(100)))
                let refused = try await runBinary("crmd", ["keys", "retire", "--database-url", db.connectionString, "--key-file", keyFile])
                #expect(refused.status != 0)
                #expect(refused.stderr.contains("still wrapped with older master keys"))

                let resumed = try await Self.rotate(db, keyFile)
                #expect(resumed.status == 0, "\(resumed.stderr)")
                #expect(resumed.stdout.contains("resuming the rotation to master key m2"))
                let (keys, _) = try KeyFile.read(keyFile)
                #expect(keys.current == "m2" && Set(keys.master.keys) == ["m1", "m2"])
                #expect(try await db.scalar("SELECT count(*)::int FROM data_key WHERE master_key_id IS DISTINCT FROM 'm2'") == 0)
                let retired = try await runBinary("crmd", ["keys", "retire", "--database-url", db.connectionString, "--key-file", keyFile])
                #expect(retired.status == 0, "\(retired.stderr)")
                #expect(Set(try KeyFile.read(keyFile).0.master.keys) == ["m2"])
                try await Task.sleep(for: KeyRotation.settleTime)
                try await Self.expectReadable(client, ids)
                await client.close()
            }
        }
    }
}

/// A flag one task clears and another polls.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(true)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func clear() { value.store(false, ordering: .relaxed) }
}
