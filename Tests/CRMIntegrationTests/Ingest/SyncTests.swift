import CRMDomain
import CRMProtocol
import Testing

@Suite("sync.push ingest")
struct SyncTests {
    @Test("a replay answers duplicate with the first outcome; the same id with other content is a conflict")
    func replays() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let event = Events.upsert("web-u-1", "web", "u-1", ["name": "王小明", "phone": "138 0013 8000"])
            let first = try await admin.push("sh01", [event])
            #expect(first[0]["status"] == "applied")
            let member = first[0]["member_id"]!
            let again = try await admin.push("sh01", [event, event])
            #expect(again.map { $0["status"]! } == ["duplicate", "duplicate"])
            #expect(again[0]["member_id"] == member)
            #expect(again[0]["first_status"] == "applied")
            // Key order does not change the content.
            let reordered = try JSONParser.parse(
                #"{"member":{"phone":"138 0013 8000","name":"王小明","external_id":"u-1"},"occurred_at":"2026-03-01T10:00:00+08:00","channel":"web","type":"member.upsert","id":"web-u-1"}"#
            )
            #expect(try await admin.push("sh01", [reordered])[0]["status"] == "duplicate")
            let changed = Events.upsert("web-u-1", "web", "u-1", ["name": "王大明"])
            let conflict = try await admin.push("sh01", [changed])[0]
            #expect(conflict["status"] == "rejected")
            #expect(conflict["error"]?["code"] == -32009)
            #expect(conflict["error"]?["data"]?["reason"] == "event_id_reused")
            #expect(try await admin.member(["member_id": member])["name"] == "王小明")
            // The same event id in another shop is another event.
            #expect(try await admin.push("sh02", [event])[0]["status"] == "applied")
        }
    }

    @Test("a bad event in the middle of a batch is rejected with its field path while the rest apply")
    func rejectedInTheMiddle() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let results = try await admin.push(
                "sh01",
                [
                    Events.upsert("e1", "web", "u-1", ["name": "王小明"]),
                    Events.upsert("e2", "web", "u-2", ["name": "李四", "phone": "not a phone"]),
                    Events.paid("e3", "web", order: "5001", member: "u-1", amount: "399.00"),
                    ["id": "e4", "type": "order.shipped", "channel": "web", "occurred_at": "2026-03-01T10:00:00Z"],
                    Events.upsert("e5", "tv", "u-3"),
                ])
            #expect(results.map { $0["status"]! } == ["applied", "rejected", "applied", "rejected", "rejected"])
            #expect(results[1]["error"]?["data"]?["field"] == "events[1].member.phone")
            #expect(results[1]["error"]?["code"] == -32602)
            #expect(results[3]["error"]?["data"]?["field"] == "events[3].type")
            #expect(results[4]["error"]?["data"]?["field"] == "events[4].channel")
            let leftovers = try server.database.withConnection {
                try $0.query("SELECT count(*) FROM account WHERE external_id = 'u-2'").single!.decode(Int.self, at: 0)
            }
            #expect(leftovers == 0)
            // A rejected event is remembered too: its replay is a duplicate of the rejection.
            let replay = try await admin.push("sh01", [Events.upsert("e2", "web", "u-2", ["name": "李四", "phone": "not a phone"])])[0]
            #expect(replay["status"] == "duplicate")
            #expect(replay["first_status"] == "rejected")
        }
    }

    @Test("refunds: never more than what is left of the order, each refund number once")
    func refunds() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let results = try await admin.push(
                "sh01",
                [
                    Events.paid("o1", "web", order: "5001", member: "u-1", amount: "100.00"),
                    Events.refunded("r1", "web", order: "5001", refund: "R1", amount: "150"),
                    Events.refunded("r2", "web", order: "5001", refund: "R2", amount: "60.50"),
                    Events.refunded("r3", "web", order: "5001", refund: "R3", amount: "39.51"),
                    Events.refunded("r4", "web", order: "5001", refund: "R2", amount: "1"),
                    Events.refunded("r5", "web", order: "9999", refund: "R5", amount: "1"),
                    Events.refunded("r6", "mobile", order: "5001", refund: "R6", amount: "1"),
                ])
            #expect(results.map { $0["status"]! } == ["applied", "rejected", "applied", "rejected", "rejected", "rejected", "rejected"])
            #expect(results[1]["error"]?["data"]?["reason"] == "refund_exceeds_order")
            #expect(results[1]["error"]?["code"] == -32010)
            #expect(results[4]["error"]?["data"]?["reason"] == "refund_exists")
            #expect(results[5]["error"]?["data"]?["reason"] == "order_not_found")
            #expect(results[6]["error"]?["data"]?["reason"] == "order_not_found")
            let refunded = try server.database.withConnection {
                try $0.query("SELECT refunded_fen FROM shop_order WHERE order_no = '5001'").single!.decode(Int64.self, at: 0)
            }
            #expect(refunded == 6_050)

            // In one push, as if applied in order: a refund before its order is not found, one after it applies.
            let mixed = try await admin.push(
                "sh01",
                [
                    Events.refunded("r7", "web", order: "5002", refund: "R7", amount: "5"),
                    Events.upsert("u7", "web", "u-7", ["name": "趙七"]),
                    Events.paid("o2", "web", order: "5002", member: "u-7", amount: "20.00"),
                    Events.refunded("r8", "web", order: "5002", refund: "R8", amount: "5"),
                ])
            #expect(mixed.map { $0["status"]! } == ["rejected", "applied", "applied", "applied"])
            #expect(mixed[0]["error"]?["data"]?["reason"] == "order_not_found")
            #expect(mixed[0]["error"]?["data"]?["field"] == "events[0].refund.order_no")
            #expect(mixed[3]["member_id"] == mixed[1]["member_id"])
            let second = try server.database.withConnection {
                try $0.query("SELECT refunded_fen FROM shop_order WHERE order_no = '5002'").single!.decode(Int64.self, at: 0)
            }
            #expect(second == 500)
        }
    }

    @Test("an order for an unseen account creates it; an order number is taken once per shop and channel")
    func orders() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let r = try await admin.push(
                "sh01",
                [
                    Events.paid("o1", "web", order: "5001", member: "new-user", amount: "399"),
                    Events.paid("o2", "web", order: "5001", member: "new-user", amount: "1"),
                    Events.paid("o3", "mobile", order: "5001", member: "new-user", amount: "2"),
                ])
            #expect(r.map { $0["status"]! } == ["applied", "rejected", "applied"])
            #expect(r[1]["error"]?["data"]?["reason"] == "order_exists")
            let member = try await admin.member(["shop": "sh01", "channel": "web", "external_id": "new-user"])
            #expect(member["member_id"] == r[0]["member_id"])
            let bad = try await admin.push(
                "sh01",
                [
                    [
                        "id": "o4", "type": "order.paid", "channel": "web", "occurred_at": "2026-03-02T12:00:00Z",
                        "order": ["order_no": "6", "member_external_id": "x", "amount": "1.234", "paid_at": "2026-03-02T12:00:00Z"],
                    ]
                ])
            #expect(bad[0]["error"]?["data"]?["field"] == "events[0].order.amount")
        }
    }

    @Test("an agent pushes only for its own shop; other roles that may not push are refused")
    func agentShop() async throws {
        try await withTestServer { server in
            _ = try await server.adminWithShops()
            let agent = try await server.client(token: try await server.token(role: .agent, shop: "sh01"))
            #expect(try await agent.push("sh01", [Events.upsert("e1", "web", "u-1")])[0]["status"] == "applied")
            let other = await rpcError { try await agent.call("sync.push", ["shop": "sh02", "events": [Events.upsert("e1", "web", "u-1")]]) }
            #expect(other?.code == -32003)
            #expect(other?.reason == "wrong_shop")
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            #expect(await rpcError { try await analyst.call("sync.push", ["shop": "sh01", "events": []]) }?.code == -32003)
            // Nothing was written for sh02.
            let count = try server.database.withConnection {
                try $0.query("SELECT count(*) FROM sync_event e JOIN shop s ON s.id = e.shop_id WHERE s.code = 'sh02'").single!.decode(Int.self, at: 0)
            }
            #expect(count == 0)
        }
    }

    @Test("a push over the event limit is refused whole")
    func pushLimit() async throws {
        try await withTestServer({ $0.maxEventsPerPush = 3 }) { server in
            let admin = try await server.adminWithShops()
            let events = (1...4).map { Events.upsert("e\($0)", "web", "u-\($0)") }
            let error = await rpcError { try await admin.call("sync.push", ["shop": "sh01", "events": .array(events)]) }
            #expect(error?.reason == "batch_too_large")
            #expect(error?.field == "events")
            #expect(try await admin.push("sh01", Array(events.prefix(3))).count == 3)
        }
    }
}
