import CRMClient
import CRMDomain
import CRMProtocol
import CRMServer
import Testing

/// Tokens limited to shops (a franchise store's staff): they see and change only members with an
/// account in their shops, and nothing over the whole base.
@Suite("shop-scoped staff")
struct ShopScopeTests {
    /// Members pushed by the admin: two in sh01, two in sh02.
    struct Base {
        var admin: RPCClient
        var ours: JSONValue
        var ours2: JSONValue
        var theirs: JSONValue
        var theirs2: JSONValue
    }

    static func base(_ server: TestServer) async throws -> Base {
        let admin = try await server.adminWithShops()
        let a = try await admin.push(
            "sh01",
            [
                Events.upsert("a1", "web", "o-1", ["name": "張三", "phone": "13900000001"]),
                Events.upsert("a2", "web", "o-2", ["name": "張三", "phone": "13900000002"]),
            ])
        let b = try await admin.push(
            "sh02",
            [
                Events.upsert("b1", "web", "t-1", ["name": "張三", "phone": "13900000003", "email": "chen1@example.com"]),
                Events.upsert("b2", "web", "t-2", ["name": "陳二", "phone": "13900000004"]),
            ])
        return Base(admin: admin, ours: a[0]["member_id"]!, ours2: a[1]["member_id"]!, theirs: b[0]["member_id"]!, theirs2: b[1]["member_id"]!)
    }

    /// A client whose token is limited to `shops`.
    static func scoped(_ server: TestServer, _ admin: RPCClient, role: String = "operator", shops: [String] = ["sh01"]) async throws -> RPCClient {
        let created = try await admin.call("token.create", ["role": .string(role), "shops": .array(shops.map { .string($0) }), "name": "franchise"])
        let client = try await server.client(token: nil)
        let hello = try await client.call("session.hello", ["token": created["token"]!, "client": "tests"])
        #expect(hello["shops"] == .array(shops.sorted().map { .string($0) }) && hello["role"] == .string(role))
        return client
    }

    @Test("token.create limits operators and analysts to shops; token.list shows it; agents and admins are refused shops")
    func creating() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let made = try await admin.call("token.create", ["role": "analyst", "shops": ["sh02", "sh01", "sh01"]])
            #expect(made["shops"] == ["sh01", "sh02"])
            let listed = try await admin.call("token.list", [:])["tokens"]!.arrayValue!
            #expect(listed.first { $0["id"] == made["id"] }?["shops"] == ["sh01", "sh02"])
            #expect(listed.first { $0["role"] == "admin" }?["shops"] == nil)
            for (role, shops) in [("admin", ["sh01"]), ("agent", ["sh01"])] as [(String, [String])] {
                var params: JSONObject = ["role": .string(role), "shops": .array(shops.map { .string($0) })]
                if role == "agent" { params["shop"] = "sh01" }
                let e = await rpcError { try await admin.call("token.create", .object(params)) }
                #expect(e?.code == -32602 && e?.field == "shops", "\(role)")
            }
            let unknown = await rpcError { try await admin.call("token.create", ["role": "operator", "shops": ["sh01", "nowhere"]]) }
            #expect(unknown?.reason == .shopNotFound)
            #expect(try await admin.call("token.list", [:])["tokens"]!.arrayValue!.count == listed.count, "a refused token is not made")
            let empty = await rpcError { try await admin.call("token.create", ["role": "operator", "shops": []]) }
            #expect(empty?.code == -32602)
        }
    }

    @Test("a scoped operator reads and changes its shop's members; every member-scoped method refuses another shop's member and changes nothing")
    func members() async throws {
        try await withTestServer { server in
            let base = try await Self.base(server)
            let staff = try await Self.scoped(server, base.admin)
            // Its own shop's member: read, changed.
            #expect(try await staff.call("member.get", ["member_id": base.ours])["name"] == "張三")
            #expect(try await staff.call("member.get", ["phone": "13900000002"])["member_id"] == base.ours2)
            _ = try await staff.call("points.adjust", ["member_id": base.ours, "points": 50, "idempotency_key": "k1", "reason": "welcome"])
            #expect(try await staff.call("points.get", ["member_id": base.ours])["balance"] == 50)
            _ = try await base.admin.call("tag.define", ["name": "vip"])
            _ = try await staff.call("tag.add", ["member_id": base.ours, "tag": "vip"])
            _ = try await staff.call("member.merge", ["member_id": base.ours, "other_member_id": base.ours2, "reason": "same person"])

            // Another shop's member, on every member-scoped method (from the registry), with
            // whatever else the method takes: refused before it runs.
            for spec in server.server.methodSpecs {
                guard case .member(let names) = spec.scope else { continue }
                var params: JSONObject = [:]
                for (i, name) in names.enumerated() { params[name] = i == 0 ? base.theirs : base.theirs2 }
                let e = await rpcError { try await staff.call(spec.name, .object(params)) }
                if Role.operator.may(spec.access) {
                    #expect(e?.code == -32003 && e?.reason == .outsideShops, "\(spec.name): \(String(describing: e))")
                } else {
                    #expect(e?.reason == .roleForbidden, "\(spec.name)")
                }
                // Only one of the pair outside is refused too.
                if names.count > 1 {
                    params[names[0]] = base.ours
                    #expect(await rpcError { try await staff.call(spec.name, .object(params)) }?.reason == .outsideShops, "\(spec.name)")
                }
            }
            // The methods that find their member themselves.
            for lookup: JSONValue in [["member_id": base.theirs], ["phone": "13900000003"], ["email": "chen1@example.com"], ["shop": "sh02", "channel": "web", "external_id": "t-1"]] {
                #expect(await rpcError { try await staff.call("member.get", lookup) }?.reason == .outsideShops, "\(lookup)")
                #expect(await rpcError { try await staff.call("member.benefits", lookup) }?.reason == .outsideShops, "\(lookup)")
            }
            _ = try await base.admin.template("t5")
            let code = try await base.admin.issueCoupon("t5", to: base.theirs, key: "c1")
            #expect(await rpcError { try await staff.coupon(code) }?.reason == .outsideShops)
            #expect(await rpcError { try await staff.call("coupon.void", ["code": .string(code), "reason": "x"]) }?.reason == .outsideShops)
            #expect(await rpcError { try await staff.redeemCoupon(code, amount: "10.00", key: "r1", shop: "sh02") }?.reason == .outsideShops)
            #expect(await rpcError { try await staff.call("coupon.issue", ["template": "t5", "segment": "all"]) }?.reason == .outsideShops)

            // Nothing changed for the other shop's member.
            #expect(try await base.admin.call("points.get", ["member_id": base.theirs])["balance"] == 0)
            #expect(try await base.admin.call("tag.get", ["member_id": base.theirs])["tags"] == [])
            #expect(try await base.admin.coupon(code)["coupon"]?["status"] == "usable")
            #expect(try await base.admin.call("member.get", ["member_id": base.theirs])["member_id"] == base.theirs, "not merged")
        }
    }

    @Test("the member checked is the live one after merges; member.find and shop.list keep only the token's shops")
    func mergesAndLists() async throws {
        try await withTestServer { server in
            let base = try await Self.base(server)
            let staff = try await Self.scoped(server, base.admin)
            func found(_ client: RPCClient, _ query: String) async throws -> [JSONValue] {
                try await client.call("member.find", ["query": .string(query)])["members"]!.arrayValue!.map { $0["member_id"]! }
            }
            // Whole names: three 張三 (two of sh01), one 陳二 of sh02.
            #expect(try await found(base.admin, "陳二").count == 1)
            #expect(try await found(staff, "陳二").isEmpty)
            #expect(try await found(base.admin, "張三").count == 3)
            let shops = try await staff.call("shop.list", [:])["shops"]!.arrayValue!.map { $0["code"]! }
            #expect(shops == ["sh01"])
            // Paging walks every member; the pages show only the token's.
            var seen: [JSONValue] = []
            var cursor: JSONValue? = nil
            repeat {
                var params: JSONObject = ["query": "張三", "limit": 1]
                if let cursor { params["cursor"] = cursor }
                let page = try await staff.call("member.find", .object(params))
                seen += page["members"]!.arrayValue!.map { $0["member_id"]! }
                cursor = page["next_cursor"]
            } while cursor != nil && cursor != .null
            #expect(Set(seen.map { $0.stringValue! }) == Set([base.ours, base.ours2].map { $0.stringValue! }), "\(seen)")

            #expect(await rpcError { try await staff.call("points.get", ["member_id": base.theirs]) }?.reason == .outsideShops)
            // Merged with a sh01 member, the sh02 member's id answers for one with an account in sh01.
            _ = try await base.admin.call("member.merge", ["member_id": base.ours, "other_member_id": base.theirs, "reason": "same person"])
            #expect(try await staff.call("points.get", ["member_id": base.theirs])["member_id"] != nil)
            #expect(try await staff.call("member.get", ["member_id": base.theirs])["member_id"] != nil)
        }
    }

    @Test("every method has a staff scope; a scoped token is refused every merchant-wide method and other shops")
    func registry() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let specs = server.server.methodSpecs
            #expect(Set(specs.map(\.name)) == Set(RPC.methods.map { $0.name }))
            // A member-scoped method's params name members, as the contract has them.
            let contract = Dictionary(uniqueKeysWithValues: RPC.methods.map { ($0.name, $0) })
            let document = OpenRPCDocument.make()
            let params = Dictionary(
                uniqueKeysWithValues: document["methods"]!.arrayValue!.map { m in
                    (m["name"]!.stringValue!, Set(m["params"]!.arrayValue!.map { $0["name"]!.stringValue! }))
                })
            for spec in specs {
                #expect(contract[spec.name] != nil)
                switch spec.scope {
                case .member(let names): #expect(!names.isEmpty && Set(names).isSubset(of: params[spec.name] ?? []), "\(spec.name)")
                case .shop(let name): #expect(params[spec.name]?.contains(name) == true, "\(spec.name)")
                case .everyone: #expect(spec.access == .open, "\(spec.name)")
                default: break
                }
            }
            let merchantWide = specs.filter { $0.scope == .merchantWide }
            #expect(merchantWide.count > 40)
            for role in ["operator", "analyst"] {
                let staff = try await Self.scoped(server, admin, role: role)
                for spec in merchantWide {
                    let e = await rpcError { try await staff.call(spec.name, [:]) }
                    let expected: ErrorReason = Role(rawValue: role)!.may(spec.access) ? .outsideShops : .roleForbidden
                    #expect(e?.code == -32003 && e?.reason == expected, "\(role) \(spec.name): \(String(describing: e))")
                }
            }
            // A refused merchant-wide call changes nothing.
            let staff = try await Self.scoped(server, admin)
            #expect(await rpcError { try await staff.call("tag.define", ["name": "franchise-only"]) }?.reason == .outsideShops)
            #expect(try await admin.call("tag.list", [:])["tags"]!.arrayValue!.isEmpty)
            // The same token unlimited is not refused: the scope, not the role, refuses.
            let unlimited = try await server.client(token: try await server.token(role: .operator))
            #expect(try await unlimited.call("tag.list", [:])["tags"] != nil)
        }
    }
}
