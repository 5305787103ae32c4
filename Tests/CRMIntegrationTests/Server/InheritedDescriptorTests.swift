import CRMPostgres
import Foundation
import Testing

/// A child process must not inherit the sockets of the process that spawns it: SwiftNIO accepts
/// connections without close-on-exec, and a child holding a server-side socket keeps a connection
/// the server closed open for its client until the child exits.
@Suite("descriptors are not inherited by child processes")
struct InheritedDescriptorTests {
    @Test("a connection the server closes ends for its client while a child spawned meanwhile lives on")
    func closedConnectionEndsDespiteChild() async throws {
        try await withTestServer({ $0.idleTimeoutSeconds = 10 }) { server in
            let c = try RawConnection(port: server.port)
            c.send(#"{"jsonrpc":"2.0","method":"server.health","id":1}"# + "\n")
            #expect(await c.readJSON()?["id"] == 1)
            // Spawned while the server holds the connection's socket; it outlives the checks below.
            let child = try SpawnedProcess("/bin/sleep", ["60"], environment: [:])
            defer { Task { await child.kill9() } }
            // The idle timeout closes the socket outright (no half-close that would end it anyway).
            #expect(await c.isClosedByPeer(timeout: 30))
        }
    }
}
