import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import Foundation
import Testing

@Suite("notice.pull and notice.ack over the real server")
struct NoticePullTests {
    static func ids(_ notices: [JSONValue]) -> [Int64] { notices.map { $0["id"]!.int64Value! } }

    @Test("a rolled-back cause writes no notice; a committed one is pulled with its body beside the fixed fields")
    func rolledBack() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let member = try await server.members(1, admin: admin)[0]
            struct Abort: Error {}
            try server.database.withConnection { c in
                try NoticeFixture.addTemplate(c, name: "T3", validDays: 30)
                // The cause (a coupon issued with its notice) fails after writing: nothing stays.
                #expect(throws: Abort.self) {
                    try c.transaction { c in
                        _ = try NoticeFixture.issue(c, "T3", to: member)
                        throw Abort()
                    }
                }
                #expect(try c.query("SELECT count(*) FROM member_notice").single!.decode(Int64.self, at: 0) == 0)
                #expect(try c.query("SELECT count(*) FROM coupon").single!.decode(Int64.self, at: 0) == 0)
            }
            let gateway = try await server.reader("gateway")
            #expect(try await gateway.pull().isEmpty)
            let code = try server.database.withConnection { c in try c.transaction { c in try NoticeFixture.issue(c, "T3", to: member) } }
            let pulled = try await gateway.pull()
            #expect(pulled.count == 1)
            let n = try #require(pulled.first)
            #expect(n["kind"] == "coupon_issued")
            #expect(n["member_id"] == .string(String(member)))
            #expect(n["code"] == .string(code))
            #expect(n["title"] == "滿100減3")
            #expect(n["value"] == "3.00")
            #expect(n["marketing"] == true)
            #expect(n["at"]?.stringValue?.hasSuffix("Z") == true)
        }
    }

    @Test("pulled in order, at least once (same ids until acknowledged), ack moves on and never back, readers apart")
    func orderAndAck() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let members = try await server.members(5, admin: admin)
            try server.database.withConnection { c in
                for (i, m) in members.enumerated() { try NoticeFixture.write(c, member: m, body: ["n": .int(Int64(i))]) }
            }
            let gateway = try await server.reader("gateway")
            let first = try await gateway.pull(limit: 3)
            #expect(first.map { $0["n"]!.int64Value! } == [0, 1, 2])
            let ids = Self.ids(first)
            #expect(ids == ids.sorted() && Set(ids).count == 3)
            // Not acknowledged: the same notices with the same ids again.
            #expect(Self.ids(try await gateway.pull(limit: 3)) == ids)
            #expect(try await gateway.ack(through: ids[1]) == ids[1])
            let next = try await gateway.pull()
            #expect(next.map { $0["n"]!.int64Value! } == [2, 3, 4])
            #expect(Self.ids(next).first == ids[2])
            // Backwards leaves the position where it was.
            #expect(try await gateway.ack(through: ids[0]) == ids[1])
            #expect(Self.ids(try await gateway.pull()) == Self.ids(next))
            // Beyond what was ever numbered would skip notices not seen yet: refused.
            let ahead = await rpcError { try await gateway.call("notice.ack", ["through": .int(Self.ids(next).last! + 1)]) }
            #expect(ahead?.code == -32602)
            #expect(ahead?.reason == "out_of_range")
            // An explicit `after` reads from anywhere without moving the position.
            #expect(Self.ids(try await gateway.pull(after: 0)) == ids + Self.ids(next).dropFirst())
            let r = try await gateway.call("notice.pull", ["limit": 1])
            #expect(r["reader"] == "gateway")
            #expect(r["acknowledged"] == .int(ids[1]))
            // Another reader has its own position; a third token of the same name shares gateway's.
            let crm2 = try await server.reader("email-gateway")
            #expect(try await crm2.pull().count == 5)
            let again = try await server.reader("gateway")
            #expect(Self.ids(try await again.pull()) == Self.ids(next))
            try await gateway.ack(through: Self.ids(next).last!)
            #expect(try await gateway.pull().isEmpty)
            // Analysts and agents may not pull.
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            #expect(await rpcError { try await analyst.call("notice.pull", [:]) }?.code == -32003)
            let limit = await rpcError { try await gateway.call("notice.pull", ["limit": 1_001]) }
            #expect(limit?.reason == "out_of_range")
        }
    }

    @Test("a notice committed late with a lower id is delivered after the higher ids a reader already took")
    func lateCommit() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let members = try await server.members(3, admin: admin)
            let gateway = try await server.reader("gateway")
            let long = try PostgresConnection(configuration: server.database.configuration)
            defer { long.close() }
            // A long transaction writes first (so its notice gets the lowest id) and commits last.
            try long.query("BEGIN")
            try NoticeFixture.write(long, member: members[0], body: ["late": true])
            try server.database.withConnection { c in
                try NoticeFixture.write(c, member: members[1])
                try NoticeFixture.write(c, member: members[2])
            }
            let early = try await gateway.pull()
            #expect(early.count == 2)
            #expect(early.allSatisfy { $0["late"] == nil })
            try await gateway.ack(through: Self.ids(early).last!)
            try long.query("COMMIT")
            let late = try await gateway.pull()
            #expect(late.count == 1)
            #expect(late.first?["late"] == true)
            #expect(Self.ids(late)[0] > Self.ids(early).last!)
            let rowIDs = try server.database.withConnection { c in
                try c.query("SELECT id FROM member_notice ORDER BY seq").map { try $0.decode(Int64.self, at: 0) }
            }
            #expect(rowIDs[2] < rowIDs[0], "the late notice's row id is the lowest: only its delivery number follows the others")
        }
    }

    @Test("many writers and two readers at once: every notice reaches each reader once, in increasing ids")
    func concurrent() async throws {
        try await withTestServer(poolSize: 8) { server in
            let admin = try await server.adminWithShops()
            let member = try await server.members(1, admin: admin)[0]
            let configuration = server.database.configuration
            let writers = 4
            let perWriter = 150
            async let written: Void = withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<writers {
                    // Threads of their own: blocking libpq calls must not hold the server's cooperative threads.
                    group.addTask {
                        try await offThread {
                            Result { () throws -> Void in
                                let c = try PostgresConnection(configuration: configuration)
                                defer { c.close() }
                                for i in 0..<perWriter {
                                    // Some transactions last longer, so commit order differs from id order.
                                    try c.transaction { c in
                                        try NoticeFixture.write(c, member: member, body: ["w": .int(Int64(w)), "i": .int(Int64(i))])
                                        if i % 7 == 0 { try c.query("SELECT pg_sleep(0.002)") }
                                    }
                                }
                            }
                        }.get()
                    }
                }
                try await group.waitForAll()
            }
            async let a = Self.drain(try await server.reader("a"), expecting: writers * perWriter)
            async let b = Self.drain(try await server.reader("b"), expecting: writers * perWriter)
            try await written
            for seen in [try await a, try await b] {
                #expect(seen.count == writers * perWriter)
                #expect(Set(seen.map { "\($0["w"]!)-\($0["i"]!)" }).count == writers * perWriter)
                // Each writer's notices arrive in the order it committed them.
                for w in 0..<writers {
                    let mine = seen.filter { $0["w"] == .int(Int64(w)) }.map { $0["i"]!.int64Value! }
                    #expect(mine == mine.sorted())
                }
            }
        }
    }

    /// Pulls and acknowledges small pages until `expecting` notices came (ids must only rise).
    static func drain(_ client: RPCClient, expecting: Int) async throws -> [JSONValue] {
        var seen: [JSONValue] = []
        var last: Int64 = 0
        for _ in 0..<20_000 where seen.count < expecting {
            let page = try await client.pull(limit: 17)
            for n in page {
                let id = n["id"]!.int64Value!
                precondition(id > last, "ids only rise")
                last = id
            }
            seen += page
            if let id = page.last?["id"]?.int64Value { try await client.ack(through: id) } else { try await Task.sleep(for: .milliseconds(5)) }
        }
        return seen
    }
}
