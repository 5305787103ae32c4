import CRMClient
import CRMProtocol
import Foundation
import Testing

/// store-sync killed between crmd's answer and its own records, and local files it cannot write.
@Suite("store-sync recovery")
struct StoreSyncRecoveryTests {
    /// Ten events of which lines 3 and 7 are rejected by crmd and line 5 is not JSON.
    static func export(prefix: String) -> String {
        (1...10).map { n -> String in
            switch n {
            case 5: return "{not json"
            case 3, 7: return JSONSerializer.serialize(Events.upsert("\(prefix)-\(n)", "web", "\(prefix)-u\(n)", ["phone": "12"]))
            default: return JSONSerializer.serialize(Events.upsert("\(prefix)-\(n)", "web", "\(prefix)-u\(n)", ["name": .string("會員\(n)")]))
            }
        }.joined(separator: "\n") + "\n"
    }

    static func rejectedLines(_ path: String) throws -> [JSONValue] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0))["line"]! }
    }

    @Test("killed after crmd committed a push, before recording its answer: each rejected line is in the rejects file once")
    func killedBetweenAnswerAndCheckpoint() async throws {
        try await StoreSyncTests.withAgentSetup { _, crmd, directory, _ in
            let setup = try await crmd.adminClient()
            let agent = try await setup.call("token.create", ["role": "agent", "shop": "sh01"])["token"]!.stringValue!
            // "reply": killed before writing anything; "rejects": killed after writing the rejections, before the checkpoint.
            for point in ["reply", "rejects"] {
                let source = directory + "/\(point).jsonl"
                try Self.export(prefix: point).write(toFile: source, atomically: true, encoding: .utf8)
                let arguments = ["push", "--shop", "sh01", "--source", source, "--batch-size", "4", "--in-flight", "1"]
                var env = crmd.clientEnvironment(token: agent)
                env["STORE_SYNC_TEST_CRASH"] = point
                let killed = try await runBinary("store-sync", arguments, environment: env)
                #expect(killed.status == SIGKILL, "\(killed.stderr)")
                let restarted = try await runBinary("store-sync", arguments, environment: crmd.clientEnvironment(token: agent))
                #expect(restarted.status == 0, "\(restarted.stderr)")
                #expect(try Self.rejectedLines(source + ".rejects") == [3, 5, 7], "\(point)")
                // And once more from the start (no checkpoint): everything is a duplicate, nothing is written twice.
                try FileManager.default.removeItem(atPath: source + ".checkpoint")
                let replay = try await runBinary("store-sync", arguments, environment: crmd.clientEnvironment(token: agent))
                #expect(replay.stdout.contains("applied=0 duplicate=9"), "\(replay.stdout)")
                #expect(try Self.rejectedLines(source + ".rejects") == [3, 5, 7], "\(point)")
            }
        }
    }

    @Test("a checkpoint that cannot be written stops the agent before it sends anything, exit 74, no temporary file left")
    func unwritableCheckpoint() async throws {
        try await StoreSyncTests.withAgentSetup { db, crmd, directory, _ in
            let setup = try await crmd.adminClient()
            let agent = try await setup.call("token.create", ["role": "agent", "shop": "sh01"])["token"]!.stringValue!
            let source = directory + "/web.jsonl"
            try Self.export(prefix: "w").write(toFile: source, atomically: true, encoding: .utf8)
            // A directory that is a regular file: no one can write under it, root included.
            try "".write(toFile: directory + "/not-a-directory", atomically: true, encoding: .utf8)
            let checkpoint = directory + "/not-a-directory/web.checkpoint"
            let run = try await runBinary(
                "store-sync", ["push", "--shop", "sh01", "--source", source, "--checkpoint", checkpoint],
                environment: crmd.clientEnvironment(token: agent))
            #expect(run.status == 74, "\(run.stderr)")
            #expect(run.stderr.contains("cannot write the checkpoint"), "\(run.stderr)")
            let events = try db.withConnection { try $0.query("SELECT count(*) FROM sync_event").single!.decode(Int.self, at: 0) }
            #expect(events == 0)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }.isEmpty)
        }
    }

    @Test("a checkpoint with a negative rejects size is refused with a message, nothing sent")
    func corruptRejectsSize() async throws {
        try await StoreSyncTests.withAgentSetup { db, crmd, directory, _ in
            let setup = try await crmd.adminClient()
            let agent = try await setup.call("token.create", ["role": "agent", "shop": "sh01"])["token"]!.stringValue!
            let source = directory + "/web.jsonl"
            try Self.export(prefix: "w").write(toFile: source, atomically: true, encoding: .utf8)
            let checkpoint = directory + "/web.checkpoint"
            try #"{"files":{},"applied":0,"duplicate":0,"rejected":0,"invalid":0,"rejects_bytes":-5}"#
                .write(toFile: checkpoint, atomically: true, encoding: .utf8)
            let run = try await runBinary(
                "store-sync", ["push", "--shop", "sh01", "--source", source, "--checkpoint", checkpoint],
                environment: crmd.clientEnvironment(token: agent))
            #expect(run.status == 1, "\(run.stderr)")
            #expect(run.stderr.contains("rejects size"), "\(run.stderr)")
            let events = try db.withConnection { try $0.query("SELECT count(*) FROM sync_event").single!.decode(Int.self, at: 0) }
            #expect(events == 0)
        }
    }
}
