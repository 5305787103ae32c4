import CRMClient
import CRMJSON
import CRMProtocol
import Testing

/// `identity.rescan` over the real server.
@Suite("rescanning members")
struct IdentityRescanTests {
    /// Calls `identity.rescan` until the run is finished; returns the last result.
    static func rescan(_ client: RPCClient, limit: Int = 500) async throws -> JSONValue {
        var r = try await client.call("identity.rescan", ["limit": .int(limit)])
        for _ in 0..<10_000 where r["finished"] != true { r = try await client.call("identity.rescan", ["limit": .int(limit)]) }
        return r
    }

    /// Forgets every account's blocking keys, as if they had been stored before the rules that make
    /// them: whatever is pushed next meets none of them.
    static func forgetBlockingKeys(_ server: TestServer) throws {
        try server.database.withConnection { c in _ = try c.query("DELETE FROM blocking_key") }
    }

    /// What a rescan may change: members, merges, review items, separations, blocking keys.
    static func snapshot(_ server: TestServer) async throws -> [Int] {
        [
            try await server.database.scalar("SELECT count(*) FROM member WHERE merged_into IS NULL"),
            try await server.database.scalar("SELECT count(*) FROM merge_record"),
            try await server.database.scalar("SELECT count(*) FROM review_item"),
            try await server.database.scalar("SELECT count(*) FROM review_item WHERE status = 'open'"),
            try await server.database.scalar("SELECT count(*) FROM identity_separation"),
            try await server.database.scalar("SELECT count(*) FROM blocking_key"),
        ]
    }

    static func memberID(_ admin: RPCClient, _ shop: String, _ channel: String, _ external: String) async throws -> JSONValue {
        try await admin.member(["shop": .string(shop), "channel": .string(channel), "external_id": .string(external)])["member_id"]!
    }

    @Test("a rescan merges and queues what ingest never compared, leaves unmerged and separated pairs apart, and a second one changes nothing")
    func unmergeAndSeparation() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            // Unmerged: one person twice, merged at ingest, then undone by an operator.
            try await IdentityPeople.push(admin, "sh01", [Events.upsert("u1", "web", "u", IdentityPeople.person(1))])
            try await IdentityPeople.push(admin, "sh02", [Events.upsert("u2", "mobile", "u", IdentityPeople.person(1))])
            let unmergedA = try await Self.memberID(admin, "sh01", "web", "u")
            #expect(try await Self.memberID(admin, "sh02", "mobile", "u") == unmergedA)
            let mergedAway = try await server.database.scalar("SELECT max(merged_id) FROM merge_record")
            _ = try await admin.call("member.unmerge", ["member_id": .string(String(mergedAway)), "reason": "two people"])
            // Separated: a likely match (no address) queued at ingest, decided apart by an operator.
            try await IdentityPeople.push(admin, "sh01", [Events.upsert("s1", "web", "s", IdentityPeople.person(2))])
            try await IdentityPeople.push(admin, "sh02", [Events.upsert("s2", "mobile", "s", IdentityPeople.person(2, address: false))])
            let item = try #require(try await admin.call("review.list")["items"]?.arrayValue?.first)
            _ = try await admin.call("review.decide", ["id": item["id"]!, "decision": "separate", "reason": "twins"])
            // Never compared: the same person and a likely match pushed after the keys were forgotten.
            try await IdentityPeople.push(
                admin, "sh01", [Events.upsert("n1", "web", "n", IdentityPeople.person(3)), Events.upsert("q1", "web", "q", IdentityPeople.person(4))])
            try Self.forgetBlockingKeys(server)
            try await IdentityPeople.push(
                admin, "sh02",
                [Events.upsert("n2", "mobile", "n", IdentityPeople.person(3)), Events.upsert("q2", "mobile", "q", IdentityPeople.person(4, address: false))])
            let n2 = try await Self.memberID(admin, "sh02", "mobile", "n")
            #expect(try await n2 != Self.memberID(admin, "sh01", "web", "n"))
            #expect(try await admin.call("review.list")["items"] == [])
            let before = try await Self.snapshot(server)

            let first = try await Self.rescan(admin, limit: 3)
            #expect(first["phase"] == "done" && first["done"] == first["total"])
            #expect(first["merged"] == 1 && first["queued"] == 1, "\(first)")
            #expect(first["keys_refreshed"]!.int64Value! >= 6)
            let (n1, u2) = (try await Self.memberID(admin, "sh01", "web", "n"), try await Self.memberID(admin, "sh02", "mobile", "u"))
            #expect(try await Self.memberID(admin, "sh02", "mobile", "n") == n1)
            #expect(u2 != unmergedA)
            let s1 = try await Self.memberID(admin, "sh01", "web", "s")
            #expect(try await Self.memberID(admin, "sh02", "mobile", "s") != s1)
            let queued = try #require(try await admin.call("review.list")["items"]?.arrayValue)
            #expect(queued.count == 1)
            let q = [try await Self.memberID(admin, "sh01", "web", "q"), try await Self.memberID(admin, "sh02", "mobile", "q")]
            #expect(Set((queued[0]["member_ids"]?.arrayValue ?? []).compactMap(\.stringValue)) == Set(q.compactMap(\.stringValue)))
            let after = try await Self.snapshot(server)
            #expect(after[0] == before[0] - 1 && after[1] == before[1] + 1)

            let second = try await Self.rescan(admin)
            #expect(second["merged"] == 0 && second["queued"] == 0 && second["keys_refreshed"] == 0, "\(second)")
            #expect(second["run_id"] != first["run_id"])
            #expect(try await Self.snapshot(server) == after)
            await admin.close()
        }
    }

    @Test("accounts stored without a match form (before there were any) are opened and matched as before, and a rescan writes their forms")
    func storedForms() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            try await IdentityPeople.push(admin, "sh01", [Events.upsert("f1", "web", "f", IdentityPeople.person(5))])
            let missing = "SELECT count(*) FROM account WHERE match_sealed IS NULL AND key_id IS NOT NULL"
            #expect(try await server.database.scalar(missing) == 0)
            try server.database.withConnection { c in _ = try c.query("UPDATE account SET match_sealed = NULL") }
            try await IdentityPeople.push(admin, "sh02", [Events.upsert("f2", "mobile", "f", IdentityPeople.person(5))])
            #expect(try await Self.memberID(admin, "sh02", "mobile", "f") == Self.memberID(admin, "sh01", "web", "f"))
            #expect(try await server.database.scalar(missing) == 1)
            let r = try await Self.rescan(admin)
            #expect(r["keys_refreshed"] == 0 && r["merged"] == 0, "\(r)")
            #expect(try await server.database.scalar(missing) == 0)
            await admin.close()
        }
    }

    @Test("blocking keys written without their account's stamp (by a release before migration 26) are written again by a rescan, and match as before")
    func unstampedKeys() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            try await IdentityPeople.push(admin, "sh01", [Events.upsert("u1", "web", "u", IdentityPeople.person(7))])
            let unstamped = "SELECT count(*) FROM blocking_key WHERE stamp IS NULL"
            try server.database.withConnection { c in _ = try c.query("UPDATE blocking_key SET stamp = NULL") }
            #expect(try await server.database.scalar(unstamped) > 0)
            // Read in full by the screen meanwhile: the same person from another shop still merges.
            try await IdentityPeople.push(admin, "sh02", [Events.upsert("u2", "mobile", "u", IdentityPeople.person(7))])
            #expect(try await Self.memberID(admin, "sh02", "mobile", "u") == Self.memberID(admin, "sh01", "web", "u"))
            let r = try await Self.rescan(admin)
            #expect(r["merged"] == 0, "\(r)")
            #expect(try await server.database.scalar(unstamped) == 0)
            let stale = "SELECT count(*) FROM blocking_key b JOIN account a ON a.id = b.account_id WHERE b.stamp IS DISTINCT FROM a.match_stamp"
            #expect(try await server.database.scalar(stale) == 0)
            await admin.close()
        }
    }
}
