import CRMClient
import CRMProtocol
import Foundation
import Testing

@Suite("the contract describes itself over the wire, and a client in another language can use it")
struct OpenRPCDiscoverTests {
    @Test("rpc.discover answers the OpenRPC document, before any hello, and refuses params")
    func discover() async throws {
        try await withTestServer { server in
            let anonymous = try await RPCClient.connect(host: "127.0.0.1", port: server.port)
            defer { Task { await anonymous.close() } }
            let document = try await anonymous.call("rpc.discover")
            #expect(document == OpenRPCDocument.make())
            #expect(document["openrpc"] == "1.3.2")
            let names = Set((document["methods"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
            #expect(names.contains("points.redeem"))
            let refused = await rpcError { try await anonymous.call("rpc.discover", ["verbose": true]) }
            #expect(refused?.reason == "unknown_field")
        }
    }

    @Test("every method crmd answers is in the contract, and every method of the contract is answered")
    func registryMatchesContract() async throws {
        try await withTestServer { server in
            let registered = server.server.methodNames
            let contract = Set(RPC.methods.map { $0.name })
            #expect(contract.subtracting(registered).isEmpty, "in the contract, not answered: \(contract.subtracting(registered))")
        }
    }

    @Test("the Python example (standard library only) connects, says hello, pushes and reads the member")
    func pythonExample() async throws {
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        try #require(python != nil, "python3 is needed (scripts/test installs it)")
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("examples/python/crm_client.py").path
        try await withTestServer { server in
            let admin = try await server.adminClient()
            _ = try await admin.call("shop.create", ["code": "sh01", "name": "Flagship"])
            await admin.close()
            let out = try await offThread {
                Result {
                    try runProcessBlocking(
                        python!, [example, "--server", "127.0.0.1:\(server.port)", "--token", server.adminToken, "--shop", "sh01"],
                        environment: [:], cleared: ["CRM_SERVER", "CRM_TOKEN"])
                }
            }.get()
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.contains("hello: role admin"), "\(out.stdout)")
            #expect(out.stdout.contains("among them member.get: True"), "\(out.stdout)")
            #expect(out.stdout.contains("push: applied, member "), "\(out.stdout)")
            #expect(out.stdout.contains("member.get: 李雷 +8613900139000, 0 points"), "\(out.stdout)")
            #expect(out.stdout.contains("a bad id is refused: -32602 bad_member_id"), "\(out.stdout)")
        }
    }
}
