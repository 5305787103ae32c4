import CRMProtocol
import Foundation
import Testing

@Suite("framing over TCP")
struct FramingTests {
    let health = #"{"jsonrpc":"2.0","method":"server.health","id":%d}"#

    func request(_ id: Int) -> String { String(format: health, id) }

    @Test("several messages in one packet are answered in order")
    func manyInOnePacket() async throws {
        try await withTestServer { server in
            let c = try RawConnection(port: server.port)
            c.send((1...5).map { request($0) + "\n" }.joined())
            for id in 1...5 { #expect(await c.readJSON()?["id"] == .int(id)) }
        }
    }

    @Test("one message split across packets is answered once complete")
    func splitAcrossPackets() async throws {
        try await withTestServer { server in
            let c = try RawConnection(port: server.port)
            let bytes = Array((request(7) + "\n").utf8)
            for chunk in stride(from: 0, to: bytes.count, by: 7) {
                c.send(Array(bytes[chunk..<min(chunk + 7, bytes.count)]))
                try await Task.sleep(nanoseconds: 5_000_000)
            }
            #expect(await c.readJSON()?["id"] == 7)
        }
    }

    @Test("CRLF line endings are accepted")
    func crlf() async throws {
        try await withTestServer { server in
            let c = try RawConnection(port: server.port)
            c.send(request(1) + "\r\n" + request(2) + "\r\n")
            #expect(await c.readJSON()?["id"] == 1)
            #expect(await c.readJSON()?["id"] == 2)
        }
    }

    @Test("a line over the limit gets an error with id null and the connection closes")
    func oversizeLine() async throws {
        try await withTestServer({ $0.maxLineBytes = 4_096 }) { server in
            let c = try RawConnection(port: server.port)
            c.send(#"{"jsonrpc":"2.0","method":"server.health","params":{"pad":""# + String(repeating: "x", count: 10_000) + "\"},\"id\":1}\n")
            let reply = await c.readJSON()
            #expect(reply?["id"] == .null)
            #expect(reply?["error"]?["code"] == .int(-32600))
            #expect(reply?["error"]?["data"]?["reason"] == "line_too_long")
            #expect(await c.isClosedByPeer())
            // Other connections are unaffected.
            let other = try RawConnection(port: server.port)
            other.send(request(2) + "\n")
            #expect(await other.readJSON()?["id"] == 2)
        }
    }

    @Test("invalid UTF-8 is a parse error, and the connection keeps working")
    func invalidUTF8() async throws {
        try await withTestServer { server in
            let c = try RawConnection(port: server.port)
            c.send(Array(#"{"jsonrpc":"2.0","method":"server.health","id":""#.utf8) + [0xC3, 0x28] + Array("\"}\n".utf8))
            let reply = await c.readJSON()
            #expect(reply?["error"]?["code"] == .int(-32700))
            #expect(reply?["id"] == .null)
            c.send(request(3) + "\n")
            #expect(await c.readJSON()?["id"] == 3)
        }
    }

    @Test("blank lines are ignored (keep-alives)")
    func blankLines() async throws {
        try await withTestServer { server in
            let c = try RawConnection(port: server.port)
            c.send("\n\r\n  \n" + request(4) + "\n")
            #expect(await c.readJSON()?["id"] == 4)
        }
    }
}

/// The examples of section 7 of the JSON-RPC 2.0 specification, with crmd's methods standing in
/// for the specification's `subtract`, `sum` and friends (crmd has no arithmetic).
@Suite("JSON-RPC 2.0 section 7 examples")
struct SpecificationExamplesTests {
    func exchange(_ server: TestServer, _ line: String) async throws -> JSONValue? {
        let c = try RawConnection(port: server.port)
        c.send(line + "\n")
        // A marker request after it proves whether the first line produced any reply.
        c.send(#"{"jsonrpc":"2.0","method":"server.health","id":"marker"}"# + "\n")
        guard let first = await c.readJSON() else { return nil }
        if first["id"] == "marker" { return nil }
        #expect(await c.readJSON()?["id"] == "marker")
        return first
    }

    @Test("named parameters: a call with a result")
    func namedParams() async throws {
        try await withTestServer { server in
            let reply = try await exchange(server, #"{"jsonrpc": "2.0", "method": "server.health", "params": {}, "id": 3}"#)
            #expect(reply?["result"]?["status"] == "ok")
            #expect(reply?["id"] == 3)
            #expect(reply?["jsonrpc"] == "2.0")
        }
    }

    @Test("positional parameters to a method that takes named ones: invalid params")
    func positionalParams() async throws {
        try await withTestServer { server in
            let reply = try await exchange(server, #"{"jsonrpc": "2.0", "method": "server.health", "params": [42, 23], "id": 1}"#)
            #expect(reply?["error"]?["code"] == -32602)
            #expect(reply?["id"] == 1)
        }
    }

    @Test("a notification gets no reply, whether or not the method exists")
    func notifications() async throws {
        try await withTestServer { server in
            let unknown = try await exchange(server, #"{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}"#)
            #expect(unknown == nil)
            let known = try await exchange(server, #"{"jsonrpc": "2.0", "method": "server.health"}"#)
            #expect(known == nil)
        }
    }

    @Test("a method that does not exist")
    func methodNotFound() async throws {
        try await withTestServer { server in
            let reply = try await exchange(server, #"{"jsonrpc": "2.0", "method": "foobar", "id": "1"}"#)
            #expect(reply?["error"]?["code"] == -32601)
            #expect(reply?["id"] == "1")
        }
    }

    @Test("invalid JSON")
    func invalidJSON() async throws {
        try await withTestServer { server in
            let reply = try await exchange(server, #"{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]"#)
            #expect(reply?["error"]?["code"] == -32700)
            #expect(reply?["id"] == .null)
        }
    }

    @Test("an invalid request object")
    func invalidRequest() async throws {
        try await withTestServer { server in
            let reply = try await exchange(server, #"{"jsonrpc": "2.0", "method": 1, "params": "bar"}"#)
            #expect(reply?["error"]?["code"] == -32600)
            #expect(reply?["id"] == .null)
        }
    }

    @Test("a batch that is invalid JSON: one parse error")
    func batchInvalidJSON() async throws {
        try await withTestServer { server in
            let reply = try await exchange(server, #"[ {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"}, {"jsonrpc": "2.0", "method" ]"#)
            #expect(reply?["error"]?["code"] == -32700)
            #expect(reply?["id"] == .null)
        }
    }

    @Test("an empty array: one invalid request, not an array")
    func emptyBatch() async throws {
        try await withTestServer { server in
            let reply = try await exchange(server, "[]")
            #expect(reply?["error"]?["code"] == -32600)
            #expect(reply?["id"] == .null)
        }
    }

    @Test("a batch of one invalid entry, and of three")
    func invalidBatches() async throws {
        try await withTestServer { server in
            let one = try await exchange(server, "[1]")?.arrayValue
            #expect(one?.count == 1)
            #expect(one?.first?["error"]?["code"] == -32600)
            let three = try await exchange(server, "[1,2,3]")?.arrayValue
            #expect(three?.count == 3)
            #expect(three?.allSatisfy { $0["error"]?["code"] == -32600 && $0["id"] == .null } == true)
        }
    }

    @Test("a mixed batch answers each request in place and leaves notifications out")
    func mixedBatch() async throws {
        try await withTestServer { server in
            let line = """
                [{"jsonrpc": "2.0", "method": "server.health", "params": {}, "id": "1"},\
                {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},\
                {"jsonrpc": "2.0", "method": "server.health", "params": {}, "id": "2"},\
                {"foo": "boo"},\
                {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},\
                {"jsonrpc": "2.0", "method": "get_data", "id": "9"}]
                """
            let replies = try await exchange(server, line)?.arrayValue ?? []
            #expect(replies.count == 5)
            #expect(replies.map { $0["id"]! } == ["1", "2", .null, "5", "9"])
            #expect(replies[0]["result"]?["status"] == "ok")
            #expect(replies[1]["result"]?["status"] == "ok")
            #expect(replies[2]["error"]?["code"] == -32600)
            #expect(replies[3]["error"]?["code"] == -32601)
            #expect(replies[4]["error"]?["code"] == -32601)
        }
    }

    @Test("a batch of notifications only: nothing at all comes back")
    func notificationBatch() async throws {
        try await withTestServer { server in
            let line = #"[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]"#
            let reply = try await exchange(server, line)
            #expect(reply == nil)
        }
    }
}
