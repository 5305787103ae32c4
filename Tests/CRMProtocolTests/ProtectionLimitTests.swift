import CRMProtocol
import Testing

@Suite("limits on hostile input")
struct ProtectionLimitTests {
    /// `{"k0":0,"k1":0,…}` with `count` keys.
    func object(keys count: Int) -> String {
        "{" + (0..<count).map { "\"k\($0)\":0" }.joined(separator: ",") + "}"
    }

    @Test("an object of 80,000 keys parses whole, in order, when the limit allows it")
    func manyKeys() throws {
        let value = try JSONParser.parse(object(keys: 80_000), maxObjectKeys: 100_000)
        let parsed = try #require(value.objectValue)
        #expect(parsed.count == 80_000)
        #expect(parsed.keys.first == "k0")
        #expect(parsed.keys.last == "k79999")
        #expect(parsed["k40000"] == 0)
        #expect(parsed["k80000"] == nil)
    }

    @Test("an object over the keys limit is a parse error that says so")
    func overKeyLimit() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(object(keys: 17), maxObjectKeys: 16) }
        #expect((try? JSONParser.parse(object(keys: 16), maxObjectKeys: 16)) != nil)
        do {
            _ = try JSONParser.parse(object(keys: JSONParser.defaultMaxObjectKeys + 1))
            Issue.record("parsed an object over the default limit")
        } catch {
            #expect(error.reason == "object with more than \(JSONParser.defaultMaxObjectKeys) keys")
        }
        if case .failure(let error) = RPCIncoming.parse(Array(object(keys: 20).utf8), maxBatch: 10, maxObjectKeys: 16) {
            #expect(error.code == RPCErrorCode.parseError)
            #expect(error.message.contains("more than 16 keys"))
        } else {
            Issue.record("a line over the keys limit was not refused")
        }
    }

    @Test("removing a key keeps the others findable and in order")
    func removal() {
        var o: JSONObject = ["a": 1, "b": 2, "c": 3]
        o["a"] = nil
        #expect(o.keys == ["b", "c"])
        #expect(o["c"] == 3)
        o["a"] = 4
        #expect(o.keys == ["b", "c", "a"])
        #expect(o == ["a": 4, "c": 3, "b": 2])
        // The same past the size where objects get an index.
        var big = JSONObject((0..<40).map { ("k\($0)", JSONValue.int($0)) })
        big["k3"] = nil
        #expect(big.count == 39)
        #expect(big["k3"] == nil)
        #expect(big["k39"] == 39)
        #expect(big.keys[3] == "k4")
        big["k3"] = 3
        #expect(big.keys.last == "k3")
        #expect(big == JSONObject((0..<40).map { ("k\($0)", JSONValue.int($0)) }))
    }

    @Test("client text is escaped and cut, so it cannot forge a log line or fill a message")
    func clientText() {
        #expect(ClientText.excerpt("a\nb\r\tc\\\u{1b}\u{2028}") == "a\\nb\\r\\tc\\\\\\u{1b}\\u{2028}")
        let long = String(repeating: "名", count: 1_000)  // 3 bytes each
        let cut = ClientText.excerpt(long, maxBytes: 10)
        #expect(cut == "名名名…(+2991 bytes)")
        #expect(ClientText.excerpt("short") == "short")
        let method = String(repeating: "x", count: 1 << 20)
        #expect(RPCError.methodNotFound(method).message.utf8.count < 300)
    }
}
