import CRMProtocol
import Testing

@Suite("the member, review, level and referral contract on the wire")
struct MemberContractTests {
    func decode<T: RPCObject>(_ type: T.Type, _ json: String) throws(RPCError) -> T {
        let value: JSONValue
        do { value = try JSONParser.parse(json) } catch { preconditionFailure("test JSON does not parse: \(json)") }
        return try JSONValueDecoder().decode(type, from: value)
    }

    func error<T: RPCObject>(_ type: T.Type, _ json: String) -> RPCError? {
        do {
            _ = try decode(type, json)
            return nil
        } catch {
            return error
        }
    }

    @Test("a review item's pair is member_ids; nil fields are left out, as crmd always sent them")
    func reviewItemWire() throws {
        let item = RPC.Review.List.Item(
            id: 7, type: "match", status: "open", createdAt: "2026-03-01T00:00:00.000Z", memberIDs: [3, 12], score: 0.88,
            evidence: ["held_back": "names differ"])
        let json = JSONSerializer.serialize(try JSONValueEncoder().encode(item))
        #expect(
            json
                == #"{"id":7,"type":"match","status":"open","created_at":"2026-03-01T00:00:00.000Z","member_ids":["3","12"],"score":0.88,"evidence":{"held_back":"names differ"}}"#
        )
        let read = try decode(RPC.Review.List.Item.self, json)
        #expect(read.memberIDs == [3, 12])
        #expect(read.guard == nil)
    }

    @Test("member.get: an account lookup needs shop, channel and external_id; the channel is one of three")
    func memberGetParams() {
        let partial = error(RPC.Member.Get.Params.self, #"{"shop": "sh01", "external_id": "u-1"}"#)
        #expect(partial?.message == "channel is required")
        #expect(partial?.reason == "missing_field")
        let fax = error(RPC.Member.Get.Params.self, #"{"shop": "sh01", "channel": "fax", "external_id": "u-1"}"#)
        #expect(fax?.message == "channel must be mobile, web or group_buy")
        #expect(fax?.reason == "bad_channel")
        #expect(error(RPC.Member.Get.Params.self, #"{"member_id": "abc"}"#)?.reason == "bad_member_id")
    }

    @Test("member.unmerge takes merge_id or member_id, not both; member.find refuses a blank query")
    func crossFieldChecks() {
        #expect(error(RPC.Member.Unmerge.Params.self, #"{"merge_id": 4, "member_id": "3", "reason": "x"}"#)?.reason == "one_lookup")
        #expect(error(RPC.Member.Unmerge.Params.self, #"{"reason": "x"}"#)?.reason == "one_lookup")
        #expect(error(RPC.Member.Unmerge.Params.self, #"{"member_id": "3", "reason": "x"}"#) == nil)
        let blank = error(RPC.Member.Find.Params.self, #"{"query": "   "}"#)
        #expect(blank?.message == "query must not be empty")
        #expect(blank?.reason == "missing_field")
    }

    @Test("review and level params: words and dates checked with the reasons crmd gave")
    func wordsAndDates() {
        #expect(error(RPC.Review.List.Params.self, #"{"type": "fuzzy"}"#)?.message == "type must be match or guard")
        #expect(error(RPC.Review.List.Params.self, #"{"status": "done"}"#)?.reason == "bad_status")
        #expect(error(RPC.Review.Decide.Params.self, #"{"id": 1, "decision": "maybe"}"#)?.reason == "bad_decision")
        #expect(error(RPC.Level.Evaluate.Params.self, #"{"as_of": "2026-13-01"}"#)?.reason == "bad_date")
        #expect(error(RPC.Level.Evaluate.Params.self, #"{}"#)?.message == "as_of is required")
        #expect(error(RPC.Referral.Stats.Params.self, #"{"limit": 0}"#)?.reason == "out_of_range")
    }

    @Test("a referral binding sends null for a missing name, qualification and void reason")
    func bindingNulls() throws {
        let binding = RPC.Referral.Binding(
            bindingID: 1, memberID: 5, name: nil, code: "K7Q2M9AB", status: "bound", source: "operator",
            boundAt: "2026-03-01T00:00:00.000Z", qualifiedAt: nil, voidReason: nil, points: 0)
        let json = try JSONValueEncoder().encode(binding)
        #expect(json["name"] == .null)
        #expect(json["qualified_at"] == .null)
        #expect(json["void_reason"] == .null)
        #expect(json.objectValue?.keys.first == "binding_id")
    }

    func schemas<M: RPCMethod>(_ method: M.Type) -> (params: JSONValue, result: JSONValue) {
        (RPCSchema.params(of: method), RPCSchema.result(of: method))
    }

    @Test("every method of the four groups has a params and a result schema, named as on the wire")
    func schemasRecorded() {
        let methods = RPC.Member.methods + RPC.Review.methods + RPC.Level.methods + RPC.Referral.methods
        #expect(methods.count == 19)  // review.show joined in issue 19
        for method in methods {
            let (params, result) = schemas(method)
            #expect(params["type"] == "object", "\(method.name)")
            #expect(result["type"] == "object", "\(method.name)")
        }
        let item = schemas(RPC.Review.List.self).result["properties"]?["items"]?["items"]
        #expect(item?["properties"]?["member_ids"] != nil)
        #expect(schemas(RPC.Member.Get.self).params["properties"]?["external_id"] != nil)
    }
}
