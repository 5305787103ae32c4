import CRMProtocol
import Testing

@Suite("the contract's coders read and write params and results as crmd always has")
struct ContractCodingTests {
    typealias Redeem = RPC.Points.Redeem

    func decode(_ params: JSONValue) throws(RPCError) -> Redeem.Params {
        try JSONValueDecoder().decode(Redeem.Params.self, from: params)
    }

    func error(_ params: JSONValue) -> RPCError? {
        do {
            _ = try decode(params)
            return nil
        } catch {
            return error
        }
    }

    let valid: JSONValue = ["member_id": "1001", "points": 50, "idempotency_key": "k1", "reason": "gift"]

    @Test("Swift names are written snake_case on the wire, a run of capitals as one word")
    func wireNames() {
        #expect(WireName.of("memberID") == "member_id")
        #expect(WireName.of("idempotencyKey") == "idempotency_key")
        #expect(WireName.of("capPerMemberPerDay") == "cap_per_member_per_day")
        #expect(WireName.of("URLText") == "url_text")
        #expect(WireName.of("memberIDs") == "member_ids")
        #expect(WireName.of("IDsFound") == "ids_found")
        #expect(WireName.of("points") == "points")
        #expect(WireName.of("gmv30d") == "gmv30d")
    }

    @Test("a valid request decodes; a member id is a string of digits or a number")
    func validRequest() throws {
        let p = try decode(valid)
        #expect(p.memberID == 1001 && p.points == 50 && p.kind == nil)
        var numeric = valid.objectValue!
        numeric["member_id"] = 7
        #expect(try decode(.object(numeric)).memberID == 7)
    }

    @Test("each kind of bad field is refused with the field's path and the contract's reason")
    func refusals() {
        func with(_ key: String, _ value: JSONValue?) -> JSONValue {
            var o = valid.objectValue!
            o[key] = value
            return .object(o)
        }
        let cases: [(JSONValue, String, ErrorReason, String)] = [
            (with("points", nil), "points", .missingField, "points is required"),
            (with("points", .null), "points", .missingField, "points is required"),
            (with("points", "5"), "points", .wrongType, "points must be a number, not string"),
            (with("points", .number("1.5")), "points", .wrongType, "points must be a whole number"),
            (with("points", 0), "points", .outOfRange, "points must be between 1 and 1000000000"),
            (with("reason", .string(String(repeating: "x", count: 501))), "reason", .tooLong, "reason is longer than 500 characters"),
            (with("idempotency_key", ""), "idempotency_key", .missingField, "idempotency_key must not be empty"),
            (with("kind", "give"), "kind", .badKind, "kind must be spend or donate"),
            (with("member_id", "abc"), "member_id", .badMemberID, "member_id is not a member id"),
            (with("member_id", true), "member_id", .wrongType, "member_id must be a string, not boolean"),
            (with("extra", 1), "extra", .unknownField, "unknown parameter extra"),
            (with("project", "p"), "project", .badKind, "project is for donations"),
        ]
        for (params, field, reason, message) in cases {
            let e = error(params)
            #expect(e?.code == RPCErrorCode.invalidParams, "\(params)")
            #expect(e?.field == field && e?.reason == reason && e?.message == message, "\(String(describing: e))")
        }
    }

    @Test("a nested field's path names where it is; array limits are checked")
    func nestedPaths() {
        let result: JSONValue = [
            "member_id": "1", "balance": 0, "pending": 0, "debt": 0,
            "lots": [["id": 1, "earned_at": "a", "available_at": "b", "amount": "x", "remaining": 1, "pending": false]],
        ]
        #expect(throws: RPCError.self) { try JSONValueDecoder(rejectsUnknownFields: false).decode(RPC.Points.Get.Result.self, from: result) }
        do {
            _ = try JSONValueDecoder(rejectsUnknownFields: false).decode(RPC.Points.Get.Result.self, from: result)
        } catch {
            #expect(error.field == "lots[0].amount")
        }
    }

    @Test("a result round-trips: plain optionals are left out when nil, Present ones sent as null; clients ignore new members")
    func results() throws {
        let lot = RPC.Points.Get.Lot(id: 1, earnedAt: "e", availableAt: "a", expiresAt: nil, amount: 5, remaining: 5, pending: false)
        let json = try JSONValueEncoder().encode(lot)
        #expect(json["expires_at"] == .null)
        #expect(json.objectValue?.keys == ["id", "earned_at", "available_at", "expires_at", "amount", "remaining", "pending"])
        let entry = RPC.Points.History.Entry(id: 1, at: "t", kind: "spend", points: -5, actor: "a")
        let encoded = try JSONValueEncoder().encode(entry)
        #expect(encoded["order"] == nil && encoded["reason"] == nil)
        var newer = encoded.objectValue!
        newer["added_later"] = 1
        let back = try JSONValueDecoder(rejectsUnknownFields: false).decode(RPC.Points.History.Entry.self, from: .object(newer))
        #expect(back.points == -5 && back.order == nil)
    }
}
