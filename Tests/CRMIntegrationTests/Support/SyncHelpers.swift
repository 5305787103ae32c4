import CRMClient
import CRMProtocol

/// Builders for pushed events and a pushing helper, in the contract's shapes.
enum Events {
    static func upsert(_ id: String, _ channel: String, _ external: String, _ member: JSONObject = [:], at: String = "2026-03-01T10:00:00+08:00") -> JSONValue {
        var m = member
        m["external_id"] = .string(external)
        return ["id": .string(id), "type": "member.upsert", "channel": .string(channel), "occurred_at": .string(at), "member": .object(m)]
    }

    static func paid(_ id: String, _ channel: String, order: String, member: String, amount: String, at: String = "2026-03-02T12:00:00+08:00") -> JSONValue {
        [
            "id": .string(id), "type": "order.paid", "channel": .string(channel), "occurred_at": .string(at),
            "order": [
                "order_no": .string(order), "member_external_id": .string(member), "amount": .string(amount), "paid_at": .string(at),
                "payment_method": "alipay",
                "items": [["sku": "BRA-LACE-75B", "name": "蕾絲深V聚攏文胸", "category": "lingerie", "quantity": 1, "price": .string(amount)]],
            ],
        ]
    }

    static func refunded(_ id: String, _ channel: String, order: String, refund: String, amount: String) -> JSONValue {
        [
            "id": .string(id), "type": "order.refunded", "channel": .string(channel), "occurred_at": "2026-03-05T08:00:00+08:00",
            "refund": ["order_no": .string(order), "refund_no": .string(refund), "amount": .string(amount), "refunded_at": "2026-03-05T08:00:00+08:00"],
        ]
    }
}

extension RPCClient {
    /// Pushes events for `shop` and returns the results.
    func push(_ shop: String, _ events: [JSONValue]) async throws -> [JSONValue] {
        try await call("sync.push", ["shop": .string(shop), "events": .array(events)])["results"]?.arrayValue ?? []
    }

    func member(_ params: JSONValue) async throws -> JSONValue { try await call("member.get", params) }
}

extension TestServer {
    /// An admin client with shops sh01 and sh02 created.
    func adminWithShops() async throws -> RPCClient {
        let admin = try await adminClient()
        _ = try await admin.call("shop.create", ["code": "sh01", "name": "旗艦店"])
        _ = try await admin.call("shop.create", ["code": "sh02", "name": "二店"])
        return admin
    }
}
