import CRMClient
import CRMPostgres
import CRMProtocol
import Testing

/// A push that fails as a whole takes its level_up notice with it: the notice is written in the
/// push's transaction, never beside it.
@Suite("notices of a rolled-back push over the real server")
struct RolledBackPushNoticeTests {
    @Test("a push that raises the member's level and then fails leaves no notice and no level; pushed again, exactly one level_up")
    func rolledBackPush() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await admin.paid("small", order: "1", member: "u-1", amount: "10.00", at: When.at(days: -3))
            let member = Int64(m.stringValue!)!
            let level = "SELECT COALESCE((SELECT level_code FROM member_level WHERE member_id = $1), 'none')"
            let levelBefore = try server.database.texts(level, [.int(member)])
            let noticesBefore = try server.database.texts("SELECT count(*)::text FROM member_notice WHERE member_id = $1", [.int(member)])
            let changesBefore = try server.database.texts("SELECT count(*)::text FROM level_change WHERE member_id = $1", [.int(member)])
            // TEST SUPPORT SQL: the push's last write (its outcomes in sync_event) fails, after the order
            // and the level change it causes have been written in the same transaction.
            try server.database.withConnection { c in
                try c.query(
                    "CREATE FUNCTION test_fail_push() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'test: the push fails'; END $$")
                try c.query("CREATE TRIGGER test_fail_push BEFORE INSERT ON sync_event FOR EACH STATEMENT EXECUTE FUNCTION test_fail_push()")
            }
            let big = Events.paid("big", "web", order: "2", member: "u-1", amount: "2500.00", at: When.at(days: -1))
            do {
                let r = try await admin.push("sh01", [big])
                Issue.record("the push should have failed, answered \(r)")
            } catch let error as RPCError {
                #expect(error.code == -32603, "\(error)")
            }
            #expect(try server.database.texts(level, [.int(member)]) == levelBefore)
            #expect(try server.database.texts("SELECT count(*)::text FROM member_notice WHERE member_id = $1", [.int(member)]) == noticesBefore)
            #expect(try server.database.texts("SELECT count(*)::text FROM member_notice WHERE kind = 'level_up'") == ["0"])
            #expect(try server.database.texts("SELECT count(*)::text FROM level_change WHERE member_id = $1", [.int(member)]) == changesBefore)

            try server.database.withConnection { c in
                try c.query("DROP TRIGGER test_fail_push ON sync_event")
                try c.query("DROP FUNCTION test_fail_push()")
            }
            let applied = try await admin.push("sh01", [big])
            #expect(applied.first?["status"] == "applied", "\(applied)")
            let ups = try server.database.texts("SELECT body->'to'->>'code' FROM member_notice WHERE kind = 'level_up' AND member_id = $1", [.int(member)])
            #expect(ups == ["senior"])
            #expect(try server.database.texts(level, [.int(member)]) == ["senior"])
        }
    }
}
