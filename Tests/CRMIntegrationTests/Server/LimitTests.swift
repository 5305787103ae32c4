import CRMClient
import CRMPostgres
import CRMProtocol
import Foundation
import Testing

@Suite("limits and observability")
struct LimitTests {
    @Test("past the connection limit a client is told so and closed; others keep working")
    func connectionLimit() async throws {
        // Its clients never say hello: the hello deadline must not close them first on a busy machine.
        try await withTestServer({
            $0.maxConnections = 2; $0.helloTimeoutSeconds = 300
        }) { server in
            let a = try await server.client(token: nil)
            let b = try await server.client(token: nil)
            _ = try await a.call("server.health")
            _ = try await b.call("server.health")
            let third = try RawConnection(port: server.port)
            let reply = await third.readJSON()
            #expect(reply?["error"]?["code"] == -32029)
            #expect(reply?["error"]?["data"]?["reason"] == "too_many_connections")
            #expect(reply?["error"]?["data"]?["retryable"] == true)
            #expect(await third.isClosedByPeer())
            #expect(try await a.call("server.health")["status"] == "ok")
            await b.close()
            // The freed slot becomes available once the server has seen the close; retry as a client would.
            var answered = false
            for _ in 0..<300 where !answered {
                try await Task.sleep(nanoseconds: 100_000_000)
                guard let again = try? await server.client(token: nil) else { continue }
                answered = (try? await again.call("server.health"))?["status"] == "ok"
                await again.close()
            }
            #expect(answered)
        }
    }

    @Test("an idle connection is closed after the idle timeout")
    func idleTimeout() async throws {
        // Long enough that a loaded machine answers the request before the deadline closes the connection.
        try await withTestServer({ $0.idleTimeoutSeconds = 8 }) { server in
            let c = try RawConnection(port: server.port)
            c.send(#"{"jsonrpc":"2.0","method":"server.health","id":1}"# + "\n")
            #expect(await c.readJSON()?["id"] == 1)
            #expect(await c.isClosedByPeer(timeout: 30))
        }
    }

    @Test("a request still running is not cut by the idle timeout: its answer comes, then the idle connection closes")
    func idleTimeoutSparesRunningRequest() async throws {
        try await withTestServer({ $0.idleTimeoutSeconds = 8 }) { server in
            // A push that resolves members waits for the identity lock, held here for two and a half idle
            // periods (long ones: a loaded machine must answer the first two requests within one).
            let holder = try PostgresConnection(configuration: server.database.configuration)
            defer { holder.close() }
            try holder.query("SELECT pg_advisory_lock($1)", [.int(ShutdownTests.identityLockKey)])
            // Sent in one write, so that the connection is never quiet between them on a busy machine.
            let c = try RawConnection(port: server.port)
            let push: JSONValue = [
                "jsonrpc": "2.0", "method": "sync.push", "id": 3,
                "params": ["shop": "sh01", "events": [Events.upsert("u1", "web", "w-1", ["name": "王小明"])]],
            ]
            c.send(
                #"{"jsonrpc":"2.0","method":"session.hello","id":1,"params":{"token":"\#(server.adminToken)"}}"# + "\n"
                    + #"{"jsonrpc":"2.0","method":"shop.create","id":2,"params":{"code":"sh01"}}"# + "\n" + JSONSerializer.serialize(push) + "\n")
            #expect(await c.readJSON()?["result"] != nil)
            #expect(await c.readJSON()?["result"] != nil)
            try await Task.sleep(nanoseconds: 20_000_000_000)
            try holder.query("SELECT pg_advisory_unlock($1)", [.int(ShutdownTests.identityLockKey)])
            let reply = await c.readJSON()
            #expect(reply?["result"]?["results"]?.arrayValue?.first?["status"] == "applied", "\(String(describing: reply))")
            #expect(await c.isClosedByPeer(timeout: 30))
        }
    }

    @Test("a batch over the entry limit is refused whole")
    func batchLimit() async throws {
        try await withTestServer({ $0.maxBatchEntries = 3 }) { server in
            let c = try RawConnection(port: server.port)
            let entry = #"{"jsonrpc":"2.0","method":"server.health","id":1}"#
            c.send("[" + Array(repeating: entry, count: 4).joined(separator: ",") + "]\n")
            let reply = await c.readJSON()
            #expect(reply?["error"]?["data"]?["reason"] == "batch_too_large")
            c.send("[" + Array(repeating: entry, count: 3).joined(separator: ",") + "]\n")
            #expect(await c.readJSON()?.arrayValue?.count == 3)
        }
    }

    @Test("a client that floods without reading stalls only itself")
    func floodingClient() async throws {
        try await withTestServer({ $0.maxInFlightPerConnection = 4 }) { server in
            let flooder = try RawConnection(port: server.port)
            let line = #"{"jsonrpc":"2.0","method":"server.health","params":{"pad":""# + String(repeating: "x", count: 200) + "\"},\"id\":1}\n"
            // Far more than the socket buffers hold: the server stops reading this connection.
            let payload = Array(String(repeating: line, count: 20_000).utf8)
            let sender = Thread { flooder.send(payload) }
            sender.start()
            try await Task.sleep(nanoseconds: 500_000_000)
            let other = try await server.client(token: nil)
            // Another client is answered (within a generous bound, so a stall fails instead of hanging).
            let answer = try await withThrowingTaskGroup(of: JSONValue?.self) { group in
                group.addTask { try await other.call("server.health") }
                group.addTask {
                    try await Task.sleep(nanoseconds: 30_000_000_000); return nil
                }
                let first = try await group.next()!
                group.cancelAll()
                return first
            }
            #expect(answer?["status"] == "ok")
            // The flooder's first replies are there, in order, when it finally reads.
            #expect(await flooder.readJSON()?["error"]?["code"] == -32602)
        }
    }

    @Test("unknown parameters and wrong types name the field")
    func paramErrors() async throws {
        try await withTestServer { server in
            let admin = try await server.adminClient()
            let wrongType = await rpcError { try await admin.call("shop.create", ["code": 5]) }
            #expect(wrongType?.code == -32602)
            #expect(wrongType?.field == "code")
            #expect(wrongType?.reason == "wrong_type")
            let missing = await rpcError { try await admin.call("token.revoke", [:]) }
            #expect(missing?.reason == "missing_field")
            #expect(missing?.field == "id")
        }
    }

    @Test("server.stats counts requests and errors by method")
    func stats() async throws {
        try await withTestServer { server in
            let admin = try await server.adminClient()
            for _ in 0..<3 { _ = try await admin.call("server.health") }
            _ = await rpcError { try await admin.call("no.such.method") }
            let stats = try await admin.call("server.stats")
            #expect(stats["methods"]?["server.health"]?["requests"] == 3)
            #expect(stats["methods"]?["(unknown)"]?["errors"] == 1)
            #expect(stats["methods"]?["session.hello"]?["requests"] == 1)
            #expect(stats["connections"]?["open"] == 1)
            #expect(stats["pool"]?["max"] == 4)
            #expect(stats["requests"]?["latency_ms"]?["p99"]?.doubleValue != nil)
        }
    }

    @Test("Prometheus metrics and a load-balancer health check over HTTP")
    func metricsEndpoint() async throws {
        let metricsPort = freePort()
        try await withTestServer({
            $0.metricsHost = "127.0.0.1"; $0.metricsPort = metricsPort
        }) { server in
            let admin = try await server.adminClient()
            _ = try await admin.call("server.health")
            try await Task.sleep(nanoseconds: 200_000_000)
            let metrics = try await httpGet(port: metricsPort, path: "/metrics")
            #expect(metrics.hasPrefix("HTTP/1.1 200"))
            #expect(metrics.contains("crmd_requests_total{method=\"server.health\"} 1"))
            #expect(metrics.contains("crmd_connections_open 1"))
            #expect(metrics.contains("crmd_database_up 1"))
            let health = try await httpGet(port: metricsPort, path: "/healthz")
            #expect(health.hasPrefix("HTTP/1.1 200"))
            let missing = try await httpGet(port: metricsPort, path: "/nope")
            #expect(missing.hasPrefix("HTTP/1.1 404"))
        }
    }

    @Test("TLS: a client that trusts the certificate talks to crmd over TLS")
    func tls() async throws {
        let directory = NSTemporaryDirectory() + "crm-tls-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost", "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0)
        try await withTestServer({
            $0.tlsCertificatePath = directory + "/cert.pem"; $0.tlsKeyPath = directory + "/key.pem"
        }) { server in
            let client = try await RPCClient.connect(
                host: "127.0.0.1", port: server.port,
                tls: .init(caFile: directory + "/cert.pem", serverName: "localhost"))
            #expect(try await client.call("server.health")["status"] == "ok")
            await client.close()
            // A plain-text client gets nothing useful from a TLS port.
            let plain = try await RPCClient.connect(host: "127.0.0.1", port: server.port)
            await #expect(throws: (any Error).self) { _ = try await plain.call("server.health") }
        }
    }
}

/// A minimal HTTP GET over loopback; returns the whole response text.
func httpGet(port: Int, path: String) async throws -> String {
    let c = try RawConnection(port: port)
    c.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    var lines: [String] = []
    while let line = await c.readRawLine() { lines.append(line) }
    return lines.joined(separator: "\n")
}
