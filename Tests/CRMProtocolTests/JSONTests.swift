import CRMProtocol
import Testing

@Suite("JSON parser and serializer")
struct JSONTests {
    @Test("documents round-trip with exact numbers and key order")
    func roundTrip() throws {
        let text = #"{"b":1,"a":[true,false,null,-0.5,12345678901234567890,"399.00"],"c":{"王":"小明\n\"q\"\\"},"e":1e-7}"#
        let value = try JSONParser.parse(text)
        #expect(JSONSerializer.serialize(value) == text)
        #expect(value["a"]?.arrayValue?[4] == .number("12345678901234567890"))
        #expect(value["b"]?.int64Value == 1)
    }

    @Test("escapes decode, including surrogate pairs")
    func escapes() throws {
        let value = try JSONParser.parse(#""\u00e9\ud83d\ude00\t\/""#)
        #expect(value == .string("é😀\t/"))
    }

    @Test(
        "invalid documents are refused",
        arguments: [
            "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "+1", "nul", "\"abc", "{\"a\" 1}", "[1 2]", "\"\\x\"",
            "\"\\ud800\"", "\"\\udc00x\"", "{\"a\":1}{}", "\"tab\tinside\"", "{\"a\":1,\"a\":2}", "NaN", "[1e]",
        ])
    func invalid(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test(
        "invalid UTF-8 is refused",
        arguments: [
            [0x22, 0xC3, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xFF, 0x22],
        ] as [[UInt8]])
    func invalidUTF8(_ bytes: [UInt8]) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test("valid multi-byte UTF-8 is accepted")
    func validUTF8() throws {
        #expect(try JSONParser.parse(Array("\"蕾絲深V😀ü\"".utf8)) == .string("蕾絲深V😀ü"))
    }

    @Test("nesting beyond the limit is refused")
    func depth() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let ok = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect((try? JSONParser.parse(ok)) != nil)
    }

    @Test("control characters and line separators are escaped on output")
    func serializerEscapes() {
        #expect(JSONSerializer.serialize(.string("a\u{01}\u{2028}b\n")) == #""a\u0001\u2028b\n""#)
    }
}

@Suite("JSON-RPC classification")
struct RPCIncomingTests {
    func parse(_ text: String) -> RPCIncoming { RPCIncoming.parse(Array(text.utf8), maxBatch: 10) }

    @Test("a request, a notification, and a null id")
    func singles() {
        #expect(parse(#"{"jsonrpc":"2.0","method":"m","params":{"a":1},"id":"x"}"#) == .single(.request(RPCRequest(id: "x", method: "m", params: ["a": 1]))))
        #expect(parse(#"{"jsonrpc":"2.0","method":"m"}"#) == .single(.request(RPCRequest(id: nil, method: "m"))))
        #expect(parse(#"{"jsonrpc":"2.0","method":"m","id":null}"#) == .single(.request(RPCRequest(id: .null, method: "m"))))
    }

    @Test("invalid requests keep a readable id and say why")
    func invalid() {
        guard case .single(.invalid(let id, let error)) = parse(#"{"jsonrpc":"1.0","method":"m","id":7}"#) else { Issue.record("expected invalid"); return }
        #expect(id == 7)
        #expect(error.code == -32600)
        guard case .single(.invalid(let id2, _)) = parse(#"{"jsonrpc":"2.0","method":"m","id":{"x":1}}"#) else { Issue.record("expected invalid"); return }
        #expect(id2 == .null)
        guard case .single(.invalid(_, let e3)) = parse(#"{"jsonrpc":"2.0","method":"m","params":"bar","id":1}"#) else {
            Issue.record("expected invalid"); return
        }
        #expect(e3.code == -32600)
        guard case .single(.invalid(_, let e4)) = parse(#"{"jsonrpc":"2.0","method":1,"id":1}"#) else { Issue.record("expected invalid"); return }
        #expect(e4.code == -32600)
    }

    @Test("parse errors, empty batches and oversize batches answer once with id null")
    func lineErrors() {
        guard case .failure(let e1) = parse("{bad") else { Issue.record("expected failure"); return }
        #expect(e1.code == -32700)
        guard case .failure(let e2) = parse("[]") else { Issue.record("expected failure"); return }
        #expect(e2.code == -32600)
        let big = "[" + Array(repeating: #"{"jsonrpc":"2.0","method":"m"}"#, count: 11).joined(separator: ",") + "]"
        guard case .failure(let e3) = parse(big) else { Issue.record("expected failure"); return }
        #expect(e3.reason == "batch_too_large")
    }

    @Test("a response reads back into the same error")
    func responseRoundTrip() {
        let error = RPCError(code: -32602, message: "bad", reason: "wrong_type", field: "events[3].member.phone")
        let response = RPCResponse(id: 3, error: error)
        #expect(RPCResponse(json: response.json) == response)
    }
}
