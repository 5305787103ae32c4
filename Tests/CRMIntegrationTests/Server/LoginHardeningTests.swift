import CRMClient
import CRMDomain
import CRMProtocol
import CRMServer
import Foundation
import Testing

/// Logging in as an attacker would: weak bootstrap tokens, guessing, and a failed second hello.
@Suite("login hardening")
struct LoginHardeningTests {
    @Test("crmd refuses to start with a weak CRM_ADMIN_TOKEN and says why; a strong one works")
    func weakAdminToken() async throws {
        try await withTestDatabase { db in
            for weak in ["a", "crm_" + String(repeating: "a", count: 60), "crm_bench_" + String(repeating: "0f", count: 16)] {
                let port = freePort()
                let crmd = try SpawnedProcess(
                    Binaries.path("crmd"), ["serve", "--listen", "127.0.0.1:\(port)", "--database-url", db.connectionString],
                    environment: ["CRM_ADMIN_TOKEN": weak])
                let status = await crmd.wait(timeout: 60)
                let log = crmd.log
                await crmd.kill9()
                #expect(status != nil && status != 0, "crmd accepted CRM_ADMIN_TOKEN=\(weak)")
                #expect(log.contains("CRM_ADMIN_TOKEN is too weak"), "\(log)")
                // Nothing was created from it.
                #expect(try await db.scalar("SELECT count(*) FROM api_token") == 0)
            }
            let strong = "crm_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            let port = freePort()
            let crmd = try await startCRMD(arguments: ["--database-url", db.connectionString], environment: ["CRM_ADMIN_TOKEN": strong], port: port)
            defer { Task { await crmd.kill9() } }
            let client = try await RPCClient.connect(host: "127.0.0.1", port: port)
            #expect(try await client.call("session.hello", ["token": .string(strong)])["role"] == "admin")
            await client.close()
        }
    }

    /// Sends `session.hello` with `token` and returns the error's reason (`nil` when it succeeded).
    static func helloReason(_ connection: RawConnection, _ token: String) async -> String? {
        connection.send(#"{"jsonrpc":"2.0","method":"session.hello","id":1,"params":{"token":"\#(token)"}}"# + "\n")
        guard let reply = await connection.readJSON(timeout: 60) else { return "no reply" }
        if reply["result"] != nil { return nil }
        return reply["error"]?["data"]?["reason"]?.stringValue ?? "no reason"
    }

    @Test("failed logins are limited per connection and per client address, and logged with the address")
    func guessingIsLimited() async throws {
        try await withTestDatabase { db in
            let port = freePort()
            let admin = AccessToken.generate()
            // An hour's window: on a busy machine the twenty failures below can take more than the
            // default minute, and the first would age out before the address is refused; and the first
            // connection's seven tries can take longer than the ten seconds a connection has for its hello.
            let crmd = try await startCRMD(
                arguments: ["--database-url", db.connectionString, "--failed-login-window", "3600", "--hello-timeout", "600"],
                environment: ["CRM_ADMIN_TOKEN": admin],
                port: port)
            defer { Task { await crmd.kill9() } }
            // One connection: five wrong guesses, then even hello is refused on it.
            let first = try RawConnection(port: port)
            for _ in 1...5 { #expect(await Self.helloReason(first, AccessToken.generate()) == "invalid_token") }
            #expect(await Self.helloReason(first, AccessToken.generate()) == "too_many_failed_logins")
            #expect(await Self.helloReason(first, admin) == "too_many_failed_logins")
            // New connections from the same address: twenty failures in all, then the address is refused,
            // the right token too, until the window passes.
            for _ in 1...3 {
                let next = try RawConnection(port: port)
                for _ in 1...5 {
                    let reason = await Self.helloReason(next, AccessToken.generate())
                    #expect(reason == "invalid_token")
                }
            }
            let blocked = try RawConnection(port: port)
            blocked.send(#"{"jsonrpc":"2.0","method":"session.hello","id":1,"params":{"token":"\#(admin)"}}"# + "\n")
            let refusal = await blocked.readJSON(timeout: 60)
            #expect(refusal?["error"]?["code"] == -32029)
            #expect(refusal?["error"]?["data"]?["reason"] == "too_many_failed_logins")
            #expect((1...3_600).contains(refusal?["error"]?["data"]?["retry_after_seconds"]?.int64Value ?? 0))
            // Another client address is not affected.
            let elsewhere = try RawConnection(port: port, source: "127.0.0.2")
            #expect(await Self.helloReason(elsewhere, admin) == nil)
            let log = crmd.log
            let failures = log.split(separator: "\n").filter { $0.contains("failed login") }
            #expect(failures.count >= 20)
            #expect(failures.allSatisfy { $0.contains("peer=127.0.0.1:") })
            #expect(log.contains("failed logins over the limit"))
        }
    }

    @Test("the address limit lifts as its failures leave the window; the connection limit lasts the connection")
    func loginWindow() {
        var limits = LoginLimiter.Limits()
        limits.maxFailuresPerConnection = 3
        limits.maxFailuresPerAddress = 4
        limits.windowSeconds = 60
        let limiter = LoginLimiter(limits: limits)
        let start = ContinuousClock.now
        for (i, connection) in ["a", "a", "b", "b"].enumerated() {
            #expect(limiter.refusal(connection: connection, host: "10.0.0.1", now: start + .seconds(i)) == nil)
            _ = limiter.recordFailure(connection: connection, host: "10.0.0.1", now: start + .seconds(i))
        }
        let refusal = limiter.refusal(connection: "c", host: "10.0.0.1", now: start + .seconds(10))
        #expect(refusal?.scope == .address)
        #expect(refusal?.retryAfterSeconds == 51)
        #expect(limiter.refusal(connection: "c", host: "10.0.0.2", now: start + .seconds(10)) == nil)
        // The first failure is a minute old: one more may be tried.
        #expect(limiter.refusal(connection: "c", host: "10.0.0.1", now: start + .seconds(60)) == nil)
        _ = limiter.recordFailure(connection: "a", host: "10.0.0.1", now: start + .seconds(60))
        #expect(limiter.refusal(connection: "a", host: "10.0.0.9", now: start + .seconds(3_600))?.scope == .connection)
        limiter.connectionClosed("a")
        #expect(limiter.refusal(connection: "a", host: "10.0.0.9", now: start + .seconds(3_600)) == nil)
    }

    @Test("a failed second session.hello ends the session it replaced")
    func failedSecondHello() async throws {
        try await withTestServer { server in
            let c = try await server.adminClient()
            #expect(try await c.call("shop.list")["shops"] == [])
            let error = await rpcError { try await c.call("session.hello", ["token": .string(AccessToken.generate())]) }
            #expect(error?.reason == "invalid_token")
            #expect(await rpcError { try await c.call("shop.list") }?.reason == "no_session")
            // A malformed hello ends it too.
            _ = try await c.call("session.hello", ["token": .string(server.adminToken)])
            #expect(await rpcError { try await c.call("session.hello", ["client": "no token"]) }?.code == -32602)
            #expect(await rpcError { try await c.call("shop.list") }?.reason == "no_session")
        }
    }
}
