import CRMClient
import CRMProtocol
import Foundation
import Testing

/// What a client without a token can do to crmd over TCP: the limits of issue 14's first section.
@Suite("limits that protect the server")
struct ProtectionTests {
    let health = #"{"jsonrpc":"2.0","method":"server.health","id":1}"# + "\n"

    @Test("lines with more keys per object than the limit get a parse error, while another connection is answered")
    func objectKeys() async throws {
        try await withTestServer { server in
            // 80,000 small keys, about 870 KB: what took 15 s of CPU per line when keys were looked up linearly.
            let keys = (0..<80_000).map { "\"k\($0)\":0" }.joined(separator: ",")
            let line = #"{"jsonrpc":"2.0","method":"server.health","params":{"# + keys + "},\"id\":7}\n"
            let senders = try (0..<4).map { _ in try RawConnection(port: server.port) }
            for sender in senders { sender.send(line) }
            let other = try RawConnection(port: server.port)
            other.send(health)
            #expect(await other.readJSON(timeout: 120)?["result"]?["status"] == "ok")
            for sender in senders {
                let reply = await sender.readJSON(timeout: 120)
                #expect(reply?["error"]?["code"] == -32700)
                #expect(reply?["error"]?["message"]?.stringValue?.contains("more than \(JSONParser.defaultMaxObjectKeys) keys") == true)
            }
        }
    }

    @Test("looking for NUL characters is linear and its error short: a long key over a long array, before any session")
    func nulScreeningIsLinear() async throws {
        try await withTestServer { server in
            // A 400 KB member name over 200,000 items: building each item's path anew copied the
            // name once per item (80 GB) before the answer came.
            let key = String(repeating: "k", count: 400_000)
            let items = Array(repeating: "0", count: 200_000).joined(separator: ",")
            let line = #"{"jsonrpc":"2.0","method":"session.hello","params":{""# + key + #"":["# + items + #","\u0000"]},"id":3}"# + "\n"
            let c = try RawConnection(port: server.port)
            c.send(line)
            let reply = await c.readRawLine(timeout: 120)
            let error = reply.flatMap { try? JSONParser.parse($0) }?["error"]
            #expect(error?["data"]?["reason"] == "nul_character")
            #expect((reply?.utf8.count ?? .max) < 2_000, "the path is cut, not echoed whole")
            c.send(health)
            #expect(await c.readJSON()?["result"]?["status"] == "ok")
        }
    }

    @Test("the error for an unknown 1 MiB method name is short")
    func unknownMethodIsNotEchoed() async throws {
        try await withTestServer({ $0.maxLineBytes = 2 << 20 }) { server in
            let c = try RawConnection(port: server.port)
            let name = String(repeating: "m", count: 1 << 20)
            c.send(#"{"jsonrpc":"2.0","method":""# + name + #"","id":1}"# + "\n")
            let line = await c.readRawLine(timeout: 30)
            #expect(line != nil && line!.utf8.count < 1_000)
            let reply = line.flatMap { try? JSONParser.parse($0) }
            #expect(reply?["error"]?["data"]?["reason"] == "method_not_found")
            #expect(reply?["error"]?["message"]?.stringValue?.hasPrefix("Method not found: mmmm") == true)
        }
    }

    @Test("many connections sending large lines without reading keep crmd's buffered bytes within the budget")
    func memoryBudget() async throws {
        let budget = 6 << 20
        try await withTestServer({
            $0.maxBufferedBytes = budget; $0.helloTimeoutSeconds = 5; $0.maxBatchEntries = 20_000
        }) { server in
            // A batch of 20,000 non-objects is answered with 20,000 errors (~3 MB): two of them fill
            // the socket buffers of a client that does not read, crmd's writes stall, and the 1 MiB
            // lines after them are read ahead and held.
            let batch = "[" + Array(repeating: "1", count: 20_000).joined(separator: ",") + "]\n"
            let big = #"{"jsonrpc":"2.0","method":""# + String(repeating: "u", count: 1_000_000) + #"","id":2}"# + "\n"
            let payload = Array((String(repeating: batch, count: 2) + String(repeating: big, count: 4)).utf8)
            let flooders = try (0..<4).map { _ in try RawConnection(port: server.port, receiveBufferBytes: 4_096) }
            await withTaskGroup(of: Void.self) { group in
                for flooder in flooders { group.addTask { await offThread { flooder.send(payload) } } }
            }
            // Another client is answered once the stalled connections are gone (their hello deadline).
            var answered = false
            for _ in 0..<60 where !answered {
                if let c = try? RawConnection(port: server.port) {
                    c.send(health)
                    answered = await c.readJSON(timeout: 5)?["result"]?["status"] == "ok"
                }
                if !answered { try await Task.sleep(nanoseconds: 500_000_000) }
            }
            #expect(answered)
            let admin = try await server.adminClient()
            let buffers = try await admin.call("server.stats")["buffers"]
            #expect(buffers?["limit_bytes"] == .int(budget))
            let peak = try #require(buffers?["peak_bytes"]?.int64Value)
            #expect(peak > 1 << 20)  // the stalled lines were counted
            #expect(peak <= Int64(budget))
            #expect((buffers?["refused"]?.int64Value ?? 0) >= 1)
        }
    }

    @Test("a connection that does not say hello in time is told so and closed; one that does stays")
    func helloDeadline() async throws {
        // Long enough that the admin's own hello makes it while the whole suite loads the machine.
        try await withTestServer({ $0.helloTimeoutSeconds = 6 }) { server in
            let silent = try RawConnection(port: server.port)
            let admin = try await server.adminClient()
            let reply = await silent.readJSON(timeout: 30)
            #expect(reply?["error"]?["code"] == -32001)
            #expect(reply?["error"]?["data"]?["reason"] == "hello_timeout")
            #expect(await silent.isClosedByPeer(timeout: 30))
            try await Task.sleep(nanoseconds: 6_500_000_000)
            #expect(try await admin.call("server.health")["status"] == "ok")
        }
    }

    @Test("a line sent one byte at a time is cut off at the message deadline, though each byte resets the idle timer")
    func messageDeadline() async throws {
        try await withTestServer({
            $0.messageTimeoutSeconds = 2; $0.helloTimeoutSeconds = 60
        }) { server in
            let slow = try RawConnection(port: server.port)
            let bytes = Array(health.utf8)
            let dripping = Task {
                for byte in bytes.dropLast() {
                    slow.send([byte])
                    try await Task.sleep(nanoseconds: 300_000_000)
                }
            }
            defer { dripping.cancel() }
            let reply = await slow.readJSON(timeout: 30)
            #expect(reply?["error"]?["code"] == -32600)
            #expect(reply?["error"]?["data"]?["reason"] == "message_timeout")
            #expect(await slow.isClosedByPeer(timeout: 30))
        }
    }

    @Test("past the per-address limit, when all its connections have sessions, the next one is told so and closed")
    func perAddressLimit() async throws {
        try await withTestServer({
            $0.maxConnectionsPerAddress = 2; $0.helloTimeoutSeconds = 300
        }) { server in
            let a = try await server.adminClient()
            let b = try await server.adminClient()
            #expect(try await b.call("server.health")["status"] == "ok")
            let third = try RawConnection(port: server.port)
            let reply = await third.readJSON()
            #expect(reply?["error"]?["code"] == -32029)
            #expect(reply?["error"]?["data"]?["reason"] == "too_many_from_address")
            #expect(await third.isClosedByPeer())
            #expect(try await a.call("server.health")["status"] == "ok")
        }
    }

    @Test("at the per-address limit, the address's oldest connection without a session makes room: a client with a token gets in")
    func perAddressRoomForSessions() async throws {
        try await withTestServer({
            $0.maxConnectionsPerAddress = 2; $0.helloTimeoutSeconds = 300
        }) { server in
            // Each is answered before the next connects, so the server has counted it.
            let oldest = try RawConnection(port: server.port)
            oldest.send(health)
            #expect(await oldest.readJSON()?["result"]?["status"] == "ok")
            let newer = try RawConnection(port: server.port)
            newer.send(health)
            #expect(await newer.readJSON()?["result"]?["status"] == "ok")
            let admin = try await server.adminClient()
            #expect(try await admin.call("server.health")["status"] == "ok")
            let reply = await oldest.readJSON()
            #expect(reply?["error"]?["code"] == -32029)
            #expect(reply?["error"]?["data"]?["reason"] == "too_many_from_address")
            #expect(await oldest.isClosedByPeer(timeout: 30))
            newer.send(health)
            #expect(await newer.readJSON()?["result"]?["status"] == "ok")
        }
    }

    @Test("with the unauthenticated slots full, a client with a token still gets in (the oldest silent one makes room)")
    func roomForSessions() async throws {
        try await withTestServer({
            $0.maxUnauthenticatedConnections = 2; $0.maxConnections = 10; $0.helloTimeoutSeconds = 300
        }) { server in
            // Each is answered before the next connects, so the server has counted it.
            let oldest = try RawConnection(port: server.port)
            oldest.send(health)
            #expect(await oldest.readJSON()?["result"]?["status"] == "ok")
            let newer = try RawConnection(port: server.port)
            newer.send(health)
            #expect(await newer.readJSON()?["result"]?["status"] == "ok")
            let admin = try await server.adminClient()
            #expect(try await admin.call("server.health")["status"] == "ok")
            let reply = await oldest.readJSON()
            #expect(reply?["error"]?["code"] == -32029)
            #expect(reply?["error"]?["data"]?["reason"] == "too_many_unauthenticated")
            #expect(await oldest.isClosedByPeer())
            newer.send(health)
            #expect(await newer.readJSON()?["result"]?["status"] == "ok")
            // The admin's session no longer counts as unauthenticated: two more may connect.
            let another = try await server.adminClient()
            #expect(try await another.call("server.health")["status"] == "ok")
            #expect(try await admin.call("server.health")["status"] == "ok")
        }
    }

    @Test("the metrics port closes connections past its cap")
    func metricsCap() async throws {
        let metricsPort = freePort()
        try await withTestServer({
            // The held connections must outlive the test however slow the machine: no idle deadline cuts in.
            $0.metricsHost = "127.0.0.1"; $0.metricsPort = metricsPort; $0.metricsMaxConnections = 2; $0.metricsIdleTimeoutSeconds = 300
        }) { server in
            let held = try (0..<2).map { _ in try RawConnection(port: metricsPort) }
            try await Task.sleep(nanoseconds: 300_000_000)
            let third = try RawConnection(port: metricsPort)
            #expect(await third.isClosedByPeer(timeout: 10))
            _ = held
            // Once one is gone, the endpoint answers again.
            held[0].send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await held[0].readRawLine()?.hasPrefix("HTTP/1.1 200") == true)
        }
    }

    @Test("an idle connection to the metrics port is closed after its idle timeout")
    func metricsIdle() async throws {
        let metricsPort = freePort()
        try await withTestServer({
            // Long enough that a loaded machine answers the request that follows before the deadline.
            $0.metricsHost = "127.0.0.1"; $0.metricsPort = metricsPort; $0.metricsIdleTimeoutSeconds = 8
        }) { server in
            let idle = try RawConnection(port: metricsPort)
            #expect(await idle.isClosedByPeer(timeout: 30))
            #expect(try await httpGet(port: metricsPort, path: "/healthz").hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test("a method name with a newline and 1 MiB of text forges no log line and writes a bounded log")
    func logsAreEscaped() async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            let before = crmd.process.log.utf8.count
            let c = try RawConnection(port: crmd.port)
            let name = "x\\nFORGED critical: all is lost " + String(repeating: "y", count: 1_000_000)
            for id in 1...3 {
                c.send(#"{"jsonrpc":"2.0","method":""# + name + #"","id":\#(id)}"# + "\n")
                #expect(await c.readJSON(timeout: 30)?["error"]?["data"]?["reason"] == "method_not_found")
            }
            try await Task.sleep(nanoseconds: 300_000_000)
            let log = crmd.process.log
            #expect(log.contains("request failed"))
            #expect(!log.split(separator: "\n").contains { $0.hasPrefix("FORGED") })
            #expect(log.utf8.count - before < 10_000)
        }
    }
}
