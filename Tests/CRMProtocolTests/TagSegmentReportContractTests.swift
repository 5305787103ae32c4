import CRMProtocol
import Testing

@Suite("the tag, segment and report contract")
struct TagSegmentReportContractTests {
    static let methods: [any RPCMethod.Type] = RPC.Tag.methods + RPC.Segment.methods + RPC.Report.methods

    func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONValueDecoder().decode(type, from: try JSONParser.parse(text))
    }

    func error<T: Decodable>(_ type: T.Type, _ text: String) throws -> RPCError? {
        do {
            _ = try decode(type, text)
            return nil
        } catch let e as RPCError {
            return e
        }
    }

    @Test("every method has a unique name in RPC.methods and a schema for its params and result")
    func schemas() {
        let names = Self.methods.map { $0.name }
        #expect(Set(names).count == names.count)
        #expect(Set(names).isSubset(of: Set(RPC.methods.map { $0.name })))
        for method in Self.methods {
            func check<M: RPCMethod>(_ m: M.Type) {
                #expect(RPCSchema.params(of: m)["type"] == "object", "\(M.name)")
                #expect(RPCSchema.result(of: m)["type"] == "object", "\(M.name)")
            }
            check(method)
        }
        #expect(RPCSchema.params(of: RPC.Tag.Remove.self)["properties"]?["source"]?["enum"] == ["manual", "attribute", "segment", "rule"])
    }

    @Test("params are checked with the reasons crmd has always given")
    func paramErrors() throws {
        #expect(try error(RPC.Tag.Remove.Params.self, #"{"member_id": "1", "tag": "x", "source": "fax"}"#)?.reason == .badSource)
        #expect(try error(RPC.Tag.Add.Params.self, #"{"member_id": "x1", "tag": "x"}"#)?.reason == .badMemberID)
        #expect(try error(RPC.Tag.RuleAdd.Params.self, #"{"name": "", "tag": "x", "match": {}}"#)?.reason == .missingField)
        #expect(try error(RPC.Tag.RuleBackfill.Params.self, #"{"name": "r", "limit": 0}"#)?.reason == .outOfRange)
        #expect(try error(RPC.Segment.Preview.Params.self, #"{"name": "a", "filter": {}}"#)?.reason == .oneLookup)
        #expect(try error(RPC.Segment.Preview.Params.self, #"{}"#)?.reason == .oneLookup)
        #expect(try error(RPC.Segment.Preview.Params.self, #"{"name": "a", "sample": 101}"#)?.reason == .outOfRange)
        #expect(try error(RPC.Segment.Export.Params.self, #"{"name": "a", "limit": 5001}"#)?.reason == .outOfRange)
        #expect(try error(RPC.Report.AsOfParams.self, #"{"as_of": "2026-01-01"}"#)?.reason == .badTimestamp)
        #expect(try error(RPC.Report.AsOfParams.self, #"{"within_days": 3}"#)?.reason == .unknownField)
        #expect(try error(RPC.Report.Channels.Params.self, #"{"within_days": 0}"#)?.reason == .outOfRange)
        #expect(try decode(RPC.Report.Channels.Params.self, #"{"as_of": "2026-01-01T00:00:00+08:00", "within_days": 30}"#).withinDays == 30)
    }

    @Test("results keep the wire's order, its nulls and its omissions")
    func resultShapes() throws {
        let channels = RPC.Report.Channels.Result(
            asOf: "t", withinDays: nil, buyers: 0, multiChannel: 0, multiChannelShare: "0.0", byChannel: [],
            combinations: [])
        #expect(
            JSONSerializer.serialize(try JSONValueEncoder().encode(channels))
                == #"{"as_of":"t","within_days":null,"buyers":0,"multi_channel":0,"multi_channel_share":"0.0","by_channel":[],"combinations":[]}"#)
        let tier = RPC.Report.PyramidTier(minPurchases: 1, maxPurchases: 2, averageBelow: "100.00")
        #expect(JSONSerializer.serialize(try JSONValueEncoder().encode(tier)) == #"{"min_purchases":1,"max_purchases":2,"average_below":"100.00"}"#)
        let origin = RPC.Tag.Get.Origin(source: "rule", actor: "admin", at: "t", rule: "lace")
        #expect(JSONSerializer.serialize(try JSONValueEncoder().encode(origin)) == #"{"source":"rule","actor":"admin","at":"t","rule":"lace"}"#)
        let plan = RPC.Segment.Preview.Result(plan: "Seq Scan")
        #expect(JSONSerializer.serialize(try JSONValueEncoder().encode(plan)) == #"{"plan":"Seq Scan"}"#)
        let row = RPC.Segment.Export.Row(
            memberID: 7, name: nil, phone: "138****0001", email: nil, gender: nil, region: nil, address: nil,
            level: "normal", points: 0, tags: [], createdAt: "t")
        #expect(
            JSONSerializer.serialize(try JSONValueEncoder().encode(row))
                == #"{"member_id":"7","name":null,"phone":"138****0001","email":null,"gender":null,"region":null,"address":null,"level":"normal","points":0,"tags":[],"created_at":"t"}"#
        )
    }
}
