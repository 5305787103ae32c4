import CRMProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// store-sync asked to stop (SIGTERM, through UnixSignals) while it waits to retry.
@Suite("store-sync stopping")
struct StoreSyncStopTests {
    @Test("SIGTERM while the agent waits to retry an unreachable crmd ends the wait at once: exit 0, stopped by signal")
    func stopDuringRetryWait() async throws {
        try await withTemporaryDirectory { directory in
            let source = directory + "/web.jsonl"
            try (JSONSerializer.serialize(Events.paid("o-1", "web", order: "S1", member: "u1", amount: "1")) + "\n")
                .write(toFile: source, atomically: true, encoding: .utf8)
            // Nothing listens on the port: every pass fails at once and the waits between them double.
            let agent = try SpawnedProcess(
                Binaries.path("store-sync"), ["push", "--shop", "sh01", "--source", source],
                environment: ["CRM_SERVER": "127.0.0.1:\(freePort())", "CRM_TOKEN": "crm_unused"])
            defer { Task { await agent.kill9() } }
            // The fifth wait is 3.2 to 6.4 s long; the signal comes at its start.
            for _ in 0..<1_000 where agent.log.components(separatedBy: "retrying in").count <= 5 {
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            #expect(agent.log.components(separatedBy: "retrying in").count > 5, "\(agent.log)")
            agent.signal(SIGTERM)
            #expect(await agent.wait(timeout: 2) == 0, "\(agent.log)")
            #expect(agent.log.contains("done (stopped by signal): lines=0 applied=0"), "\(agent.log)")
        }
    }
}
