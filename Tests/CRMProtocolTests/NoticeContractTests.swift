import CRMProtocol
import Testing

@Suite("the notice and consent contract on the wire")
struct NoticeContractTests {
    func decode<T: RPCObject>(_ type: T.Type, _ json: String) throws(RPCError) -> T {
        let value: JSONValue
        do { value = try JSONParser.parse(json) } catch { preconditionFailure("test JSON does not parse: \(json)") }
        return try JSONValueDecoder().decode(type, from: value)
    }

    @Test("a notice's body fields stand beside its fixed fields, never over them, and read back the same")
    func itemWire() throws {
        let item = RPC.Notice.Item(
            id: 42, memberID: 1001, kind: "coupon_issued", at: "2026-11-27T01:30:00.000Z", marketing: true, channels: ["sms"],
            body: ["code": "K7Q2MXR4PZ", "id": 9, "value": "3.00"])
        let json = JSONSerializer.serialize(item.wire)
        #expect(
            json
                == #"{"id":42,"member_id":"1001","kind":"coupon_issued","at":"2026-11-27T01:30:00.000Z","marketing":true,"channels":["sms"],"code":"K7Q2MXR4PZ","value":"3.00"}"#
        )
        let result = try decode(RPC.Notice.Pull.Result.self, #"{"reader":"gw","acknowledged":41,"notices":[\#(json)]}"#)
        #expect(result.notices.first?.id == 42)
        #expect(result.notices.first?.body == ["code": "K7Q2MXR4PZ", "value": "3.00"])
    }

    @Test("consent.set takes one of five channels and a source; notice.pull at most 1,000 a page")
    func params() {
        #expect(throws: RPCError.self) { try decode(RPC.Consent.Set.Params.self, #"{"member_id":"1","channel":"fax","granted":true,"source":"x"}"#) }
        #expect(throws: RPCError.self) { try decode(RPC.Consent.Set.Params.self, #"{"member_id":"1","channel":"sms","granted":true}"#) }
        #expect(throws: RPCError.self) { try decode(RPC.Notice.Pull.Params.self, #"{"limit":1001}"#) }
        #expect(throws: RPCError.self) { try decode(RPC.Notice.Ack.Params.self, #"{"through":-1}"#) }
        #expect((try? decode(RPC.Consent.Set.Params.self, #"{"member_id":"1","channel":"app_push","granted":false,"source":"app"}"#)) != nil)
    }
}
