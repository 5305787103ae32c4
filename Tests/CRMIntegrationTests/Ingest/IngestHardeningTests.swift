import CRMDomain
import CRMProtocol
import Testing

/// Input that used to block a shop or be silently changed: NUL characters, and rejected events
/// that could not be sent again once corrected.
@Suite("ingest hardening")
struct IngestHardeningTests {
    @Test("a NUL character rejects its one event; the rest of the push applies")
    func nulInOneEvent() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let results = try await admin.push(
                "sh01",
                [
                    Events.upsert("e1", "web", "u-1", ["name": "王小明"]),
                    Events.upsert("e2", "web", "u-2", ["name": "李\u{0}四"]),
                    Events.paid("e3", "web", order: "5001", member: "u-1", amount: "99.00"),
                    Events.upsert("e4", "web", "u-4", ["attributes": ["膚質\u{0}": "乾性"]]),
                    Events.upsert("e5\u{0}", "web", "u-5"),
                ])
            #expect(results.map { $0["status"]! } == ["applied", "rejected", "applied", "rejected", "rejected"])
            #expect(results[1]["error"]?["data"]?["reason"] == "nul_character")
            #expect(results[1]["error"]?["data"]?["field"] == "events[1].member.name")
            #expect(results[3]["error"]?["data"]?["field"] == "events[3].member.attributes.膚質\\u0000")
            #expect(results[4]["error"]?["data"]?["field"] == "events[4].id")
            let accounts = try server.database.withConnection { try $0.query("SELECT count(*) FROM account").single!.decode(Int.self, at: 0) }
            #expect(accounts == 1)
            // The shop is not blocked: the corrected event applies.
            #expect(try await admin.push("sh01", [Events.upsert("e2", "web", "u-2", ["name": "李四"])])[0]["status"] == "applied")
        }
    }

    @Test("a NUL character in any other method's params is refused and changes nothing")
    func nulInParams() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let filter: JSONValue = ["purchases": ["min": 1]]
            _ = try await admin.call("segment.save", ["name": "s", "description": "first", "filter": filter])
            let refused = await rpcError { try await admin.call("segment.save", ["name": "s\u{0}", "description": "second", "filter": filter]) }
            #expect(refused?.code == -32602)
            #expect(refused?.reason == "nul_character")
            #expect(refused?.field == "name")
            let nested = await rpcError { try await admin.call("segment.save", ["name": "t", "filter": ["region": ["杭\u{0}州"]]]) }
            #expect(nested?.field == "filter.region[0]")
            #expect(try await admin.call("segment.get", ["name": "s"])["segment"]?["description"] == "first")
            #expect(try await admin.call("segment.list", [:])["segments"]?.arrayValue?.count == 1)
        }
    }

    @Test("a rejected event sent again with corrected content applies; the same content stays a duplicate")
    func rejectedEventResent() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            var missingTime = Events.paid("o-N3", "web", order: "N3", member: "u-1", amount: "120.00")
            missingTime = Self.removing("occurred_at", from: missingTime)
            let badPhone = Events.upsert("m-1", "web", "u-1", ["name": "王小明", "phone": "not a phone"])
            let first = try await admin.push("sh01", [missingTime, badPhone])
            #expect(first.map { $0["status"]! } == ["rejected", "rejected"])

            // The same content again: still a duplicate of the rejection, with its reason.
            let replay = try await admin.push("sh01", [badPhone])[0]
            #expect(replay["status"] == "duplicate")
            #expect(replay["first_status"] == "rejected")
            #expect(replay["error"]?["data"]?["reason"] == "bad_phone")

            // Corrected: applied, and from then on the id is taken by the applied content.
            let fixedPhone = Events.upsert("m-1", "web", "u-1", ["name": "王小明", "phone": "138 0013 8000"])
            let fixedOrder = Events.paid("o-N3", "web", order: "N3", member: "u-1", amount: "120.00")
            let second = try await admin.push("sh01", [fixedPhone, fixedOrder])
            #expect(second.map { $0["status"]! } == ["applied", "applied"])
            let member = try await admin.member(["phone": "13800138000"])
            #expect(member["member_id"] == second[0]["member_id"])
            let again = try await admin.push("sh01", [fixedOrder, badPhone])
            #expect(again[0]["status"] == "duplicate")
            #expect(again[0]["first_status"] == "applied")
            #expect(again[1]["error"]?["data"]?["reason"] == "event_id_reused")

            // Within one push: rejected, then corrected.
            let third = try await admin.push(
                "sh01",
                [
                    Events.upsert("m-2", "web", "u-2", ["email": "nope"]),
                    Events.upsert("m-2", "web", "u-2", ["email": "li@example.com"]),
                ])
            #expect(third.map { $0["status"]! } == ["rejected", "applied"])
            #expect(try await admin.push("sh01", [Events.upsert("m-2", "web", "u-2", ["email": "li@example.com"])])[0]["first_status"] == "applied")
        }
    }

    static func removing(_ key: String, from event: JSONValue) -> JSONValue {
        guard case .object(var o) = event else { return event }
        o[key] = nil
        return .object(o)
    }
}
