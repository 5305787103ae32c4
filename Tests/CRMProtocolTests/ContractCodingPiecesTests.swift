import CRMProtocol
import Testing

/// The coding pieces the session, server, admin, config and sync methods rely on.
@Suite("contract coding: names, maps, raw arrays, error objects")
struct ContractCodingPiecesTests {
    @Test("Swift property names become the wire's snake_case names")
    func wireNames() {
        let cases = [
            "memberID": "member_id", "idempotencyKey": "idempotency_key", "runID": "run_id", "URLText": "url_text",
            "latencyMs": "latency_ms", "closedHelloTimeout": "closed_hello_timeout", "p50": "p50", "status": "status",
            "errorsByCode": "errors_by_code", "a_B": "a_b", "名前ID": "名前_id",
        ]
        for (swift, wire) in cases { #expect(WireName.of(swift) == wire) }
    }

    @Test("a method without params takes {} or nothing, refuses members, and is sent as {}")
    func noParams() throws {
        #expect(throws: Never.self) { try JSONValueDecoder().decode(NoParams.self, from: [:]) }
        let error = #expect(throws: RPCError.self) { try JSONValueDecoder().decode(NoParams.self, from: ["pad": "x"]) }
        #expect(error?.reason == .unknownField)
        #expect(try JSONValueEncoder().encode(NoParams()) == .object(JSONObject()))
    }

    @Test("a WireMap keeps its members in order both ways")
    func wireMap() throws {
        typealias Stats = RPC.Server.Stats
        let latency = Stats.Latency(p50: 0.5, p90: 1, p99: 2.25, max: 3, count: 4)
        let method = Stats.Method(requests: 4, errors: 1, errorsByCode: WireMap([("-32602", 1)]), latencyMs: latency)
        let map = WireMap<Stats.Method>([("z.last", method), ("a.first", method)])
        let json = try JSONValueEncoder().encode(map)
        #expect(json.objectValue?.keys == ["z.last", "a.first"])
        #expect(json["z.last"]?["errors_by_code"]?["-32602"] == 1)
        #expect(json["a.first"]?["latency_ms"]?["p99"]?.doubleValue == 2.25)
        let back = try JSONValueDecoder(rejectsUnknownFields: false).decode(WireMap<Stats.Method>.self, from: json)
        #expect(back.entries.map(\.name) == ["z.last", "a.first"])
        #expect(back["a.first"]?.errorsByCode["-32602"] == 1)
    }

    @Test("sync.push: events are taken whole; a result's error is the JSON-RPC error object as sent")
    func syncPush() throws {
        let events: [JSONValue] = [["id": "e1", "odd": ["deep": "anything"]], "not even an object"]
        let params = try JSONValueDecoder().decode(RPC.Sync.Push.Params.self, from: ["shop": "sh01", "events": .array(events)])
        #expect(params.events == events)
        #expect(try JSONValueEncoder().encode(params) == ["shop": "sh01", "events": .array(events)])
        let notArray = #expect(throws: RPCError.self) {
            try JSONValueDecoder().decode(RPC.Sync.Push.Params.self, from: ["shop": "sh01", "events": "e1"])
        }
        #expect(notArray?.field == "events")

        let error = RPCError(code: -32602, message: "bad phone", reason: .badPhone, field: "events[0].member.phone")
        let outcome = RPC.Sync.Push.Outcome(id: nil, status: "rejected", error: error)
        let json = try JSONValueEncoder().encode(outcome)
        #expect(json == ["id": nil, "status": "rejected", "error": error.json])
        let back = try JSONValueDecoder(rejectsUnknownFields: false).decode(RPC.Sync.Push.Outcome.self, from: json)
        #expect(back.error == error)
        #expect(back.id == nil)
    }

    @Test("a result of 20,000 entries encodes whole and in order (an append no longer copies the entries before it)")
    func largeResult() throws {
        let outcomes = (1...20_000).map { RPC.Sync.Push.Outcome(id: "e\($0)", status: "applied", memberID: MemberID(Int64($0))) }
        let json = try JSONValueEncoder().encode(RPC.Sync.Push.Result(results: outcomes))
        #expect(json["results"]?.arrayValue?.count == 20_000)
        #expect(json["results"]?.arrayValue?.last == ["id": "e20000", "status": "applied", "member_id": "20000"])
    }

    @Test("the OpenRPC schemas of session, server, shop, token, config and sync methods can be read off their types")
    func schemas() {
        let groups: [[any RPCMethod.Type]] = [
            RPC.Session.methods, RPC.Server.methods, RPC.Shop.methods, RPC.Token.methods, RPC.Config.methods, RPC.Sync.methods,
        ]
        for method in groups.joined() {
            func check<M: RPCMethod>(_ m: M.Type) {
                #expect(RPCSchema.params(of: m)["type"] == "object", "\(M.name)")
                #expect(RPCSchema.result(of: m)["type"] == "object", "\(M.name)")
            }
            check(method)
        }
        let stats = RPCSchema.result(of: RPC.Server.Stats.self)
        #expect(stats["properties"]?["methods"]?["additionalProperties"]?["properties"]?["latency_ms"] != nil)
        #expect(RPCSchema.params(of: RPC.Token.Create.self)["properties"]?["role"]?["enum"] == ["admin", "operator", "analyst", "agent"])
        #expect(RPCSchema.result(of: RPC.Session.Hello.self)["properties"]?["protocol"]?["type"] == "integer")
    }

    @Test("token.create's result is one object: the token's record then its text, both ways")
    func tokenCreateResult() throws {
        let record = RPC.Token.Record(
            id: 7, name: "till", role: "agent", shop: "S1", createdAt: "2026-01-02T03:04:05Z",
            revokedAt: nil, lastUsedAt: nil)
        let json = try JSONValueEncoder().encode(RPC.Token.Create.Result(record, token: "crm_x"))
        #expect(
            JSONSerializer.serialize(json)
                == #"{"id":7,"name":"till","role":"agent","shop":"S1","created_at":"2026-01-02T03:04:05Z","revoked_at":null,"last_used_at":null,"token":"crm_x"}"#
        )
        let back = try JSONValueDecoder().decode(RPC.Token.Create.Result.self, from: json)
        #expect(back.token == "crm_x" && back.id == 7 && back.shop == "S1" && back.revokedAt == nil)
        let error = #expect(throws: RPCError.self) { try JSONValueDecoder().decode(RPC.Token.Create.Result.self, from: ["id": 7]) }
        #expect(error?.reason == .missingField)
    }
}
