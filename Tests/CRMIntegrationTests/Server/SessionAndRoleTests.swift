import CRMClient
import CRMDomain
import CRMProtocol
import Testing

@Suite("sessions and roles")
struct SessionAndRoleTests {
    @Test("without session.hello every method but server.health is refused")
    func noHello() async throws {
        try await withTestServer { server in
            let c = try await server.client(token: nil)
            let health = try await c.call("server.health")
            #expect(health["status"] == "ok")
            for method in ["shop.list", "server.stats", "token.list", "shop.create"] {
                let error = await rpcError { try await c.call(method) }
                #expect(error?.code == -32001, "\(method)")
                #expect(error?.reason == "no_session")
                #expect(error?.retryable == false)
            }
        }
    }

    @Test("a wrong or malformed token is refused at hello")
    func wrongToken() async throws {
        // The connection stays unauthenticated throughout: a long hello deadline keeps a loaded machine from closing it.
        try await withTestServer({ $0.helloTimeoutSeconds = 300 }) { server in
            let c = try await server.client(token: nil)
            for token in [AccessToken.generate(), "nonsense with spaces", String(repeating: "x", count: 300)] {
                let error = await rpcError { try await c.call("session.hello", ["token": .string(token)]) }
                #expect(error?.code == -32001 || error?.code == -32602, "\(token.prefix(20))")
            }
            let error = await rpcError { try await c.call("session.hello", ["token": .string(AccessToken.generate())]) }
            #expect(error?.reason == "invalid_token")
            // Still not authenticated afterwards.
            #expect(await rpcError { try await c.call("shop.list") }?.code == -32001)
        }
    }

    @Test("hello answers with the role and shop of the token")
    func helloAnswer() async throws {
        try await withTestServer { server in
            let admin = try await server.adminClient()
            _ = try await admin.call("shop.create", ["code": "sh01", "name": "旗艦店"])
            let agentToken = try await server.token(role: .agent, shop: "sh01")
            let c = try await server.client(token: nil)
            let hello = try await c.call("session.hello", ["token": .string(agentToken), "client": "store-sync/1.0"])
            #expect(hello["role"] == "agent")
            #expect(hello["shop"] == "sh01")
            #expect(hello["protocol"] == 1)
            #expect(hello["server"]?.stringValue?.hasPrefix("crmd/") == true)
        }
    }

    @Test("a revoked token is refused at hello, and its open sessions end at once")
    func revokedToken() async throws {
        try await withTestServer { server in
            let admin = try await server.adminClient()
            let created = try await admin.call("token.create", ["role": "operator", "name": "night shift"])
            let token = created["token"]!.stringValue!
            let operatorClient = try await server.client(token: token)
            #expect(try await operatorClient.call("shop.list")["shops"] == [])
            let revoked = try await admin.call("token.revoke", ["id": created["id"]!])
            #expect(revoked["revoked_at"]?.stringValue != nil)
            let error = await rpcError { try await operatorClient.call("shop.list") }
            #expect(error?.code == -32001)
            #expect(error?.reason == "token_revoked")
            let fresh = try await server.client(token: nil)
            #expect(await rpcError { try await fresh.call("session.hello", ["token": .string(token)]) }?.code == -32001)
            // Revoking twice keeps the first time.
            let again = try await admin.call("token.revoke", ["id": created["id"]!])
            #expect(again["revoked_at"] == revoked["revoked_at"])
        }
    }

    @Test("a token revoked by another instance ends sessions at the next re-check")
    func revokedElsewhere() async throws {
        try await withTestServer({ $0.tokenRecheckSeconds = 0 }) { server in
            let admin = try await server.adminClient()
            let created = try await admin.call("token.create", ["role": "analyst"])
            let analyst = try await server.client(token: created["token"]!.stringValue!)
            #expect(try await analyst.call("shop.list")["shops"] == [])
            // Revoke directly in the database, as another crmd would.
            _ = try server.database.withConnection { try $0.query("UPDATE api_token SET revoked_at = now() WHERE id = $1", [.int(created["id"]!.int64Value!)]) }
            #expect(await rpcError { try await analyst.call("shop.list") }?.reason == "token_revoked")
        }
    }

    @Test("an agent may not call admin or read methods")
    func agentLimits() async throws {
        try await withTestServer { server in
            let admin = try await server.adminClient()
            _ = try await admin.call("shop.create", ["code": "sh01"])
            let agent = try await server.client(token: try await server.token(role: .agent, shop: "sh01"))
            for (method, params) in [
                ("token.create", ["role": "admin"] as JSONValue), ("shop.create", ["code": "sh02"]), ("shop.list", [:]), ("token.list", [:]),
                ("server.stats", [:]),
            ] {
                let error = await rpcError { try await agent.call(method, params) }
                #expect(error?.code == -32003, "\(method)")
                #expect(error?.reason == "role_forbidden")
            }
            let shops = try await admin.call("shop.list")["shops"]?.arrayValue ?? []
            #expect(shops.count == 1)
        }
    }

    @Test("an analyst reads but cannot write; an operator cannot manage tokens or shops")
    func analystAndOperator() async throws {
        try await withTestServer { server in
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            #expect(try await analyst.call("shop.list")["shops"] == [])
            #expect(try await analyst.call("server.stats")["version"] != nil)
            #expect(await rpcError { try await analyst.call("shop.create", ["code": "sh09"]) }?.code == -32003)
            let op = try await server.client(token: try await server.token(role: .operator))
            #expect(await rpcError { try await op.call("token.create", ["role": "admin"]) }?.code == -32003)
            #expect(await rpcError { try await op.call("shop.create", ["code": "sh09"]) }?.code == -32003)
            let admin = try await server.adminClient()
            #expect(try await admin.call("shop.list")["shops"] == [])
        }
    }
}

@Suite("shops and tokens")
struct AdminMethodTests {
    @Test("shops are created once, validated, and listed page by page")
    func shops() async throws {
        try await withTestServer { server in
            let admin = try await server.adminClient()
            let created = try await admin.call("shop.create", ["code": "sh01", "name": " 旗艦店 "])
            #expect(created["name"] == "旗艦店")
            let duplicate = await rpcError { try await admin.call("shop.create", ["code": "sh01"]) }
            #expect(duplicate?.code == -32009)
            #expect(duplicate?.reason == "shop_exists")
            let bad = await rpcError { try await admin.call("shop.create", ["code": "Bad Code"]) }
            #expect(bad?.code == -32602)
            #expect(bad?.field == "code")
            let unknown = await rpcError { try await admin.call("shop.create", ["code": "sh02", "colour": "red"]) }
            #expect(unknown?.field == "colour")
            for i in 2...5 { _ = try await admin.call("shop.create", ["code": .string("sh0\(i)")]) }
            var codes: [String] = []
            var cursor: JSONValue = .null
            repeat {
                var params: JSONObject = ["limit": 2]
                if !cursor.isNull { params["cursor"] = cursor }
                let page = try await admin.call("shop.list", .object(params))
                codes += page["shops"]!.arrayValue!.map { $0["code"]!.stringValue! }
                cursor = page["next_cursor"]!
            } while !cursor.isNull
            #expect(codes == ["sh01", "sh02", "sh03", "sh04", "sh05"])
            #expect(await rpcError { try await admin.call("shop.list", ["cursor": "forged"]) }?.reason == "bad_cursor")
            #expect(await rpcError { try await admin.call("shop.list", ["limit": 0]) }?.reason == "out_of_range")
        }
    }

    @Test("tokens: agents need a shop that exists, others take none; the list never shows token text")
    func tokens() async throws {
        try await withTestServer { server in
            let admin = try await server.adminClient()
            #expect(await rpcError { try await admin.call("token.create", ["role": "agent"]) }?.field == "shop")
            #expect(await rpcError { try await admin.call("token.create", ["role": "agent", "shop": "nope"]) }?.code == -32004)
            #expect(await rpcError { try await admin.call("token.create", ["role": "operator", "shop": "sh01"]) }?.field == "shop")
            #expect(await rpcError { try await admin.call("token.create", ["role": "root"]) }?.field == "role")
            _ = try await admin.call("shop.create", ["code": "sh01"])
            let agent = try await admin.call("token.create", ["role": "agent", "shop": "sh01", "name": "sh01 agent"])
            #expect(agent["token"]?.stringValue?.hasPrefix("crm_") == true)
            let list = try await admin.call("token.list")["tokens"]!.arrayValue!
            #expect(list.count == 2)
            #expect(list.allSatisfy { $0["token"] == nil })
            #expect(list.contains { $0["name"] == "sh01 agent" && $0["shop"] == "sh01" && $0["role"] == "agent" })
            #expect(await rpcError { try await admin.call("token.revoke", ["id": 999_999]) }?.code == -32004)
            // Only the hash is stored.
            let stored = try server.database.withConnection { c in
                try c.query(
                    "SELECT count(*) FROM api_token WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'",
                    [.text(String(agent["token"]!.stringValue!.dropFirst(4).prefix(20)))]
                ).single!.decode(Int.self, at: 0)
            }
            #expect(stored == 0)
            let audit = try server.database.withConnection {
                try $0.query("SELECT action FROM audit_log ORDER BY id").map { try $0.decode(String.self, at: 0) }
            }
            #expect(audit.contains("shop.create"))
            #expect(audit.filter { $0 == "token.create" }.count == 2)
        }
    }
}
