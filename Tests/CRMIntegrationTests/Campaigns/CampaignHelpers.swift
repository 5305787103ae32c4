import CRMClient
import CRMPostgres
import CRMProtocol

// Test support for campaign tests: arranging state directly in the database where going through
// the server would only slow the tests (consent for many members, moving a wave's start back in
// time so the next wave is due).

extension TestDatabase {
    /// Test support: grants marketing consent on `channel` to `members` directly.
    func grantConsent(_ members: [JSONValue], channel: String = "sms") throws {
        _ = try withConnection { c in
            try c.query(
                """
                INSERT INTO marketing_consent (member_id, channel, granted, source, actor)
                SELECT m, $2, true, 'test', 'test' FROM unnest($1::bigint[]) AS m
                """, [.intArray(members.map { Int64($0.stringValue!)! }), .text(channel)])
        }
    }

    /// Test support: moves a campaign's launch and every occasion's start `days` back, as if that
    /// much time had passed since.
    func backdate(campaign: String, days: Int) throws {
        try withConnection { c in
            _ = try c.query(
                "UPDATE campaign SET launched_at = launched_at - make_interval(days => $2::int) WHERE name = $1", [.text(campaign), .int(Int64(days))])
            _ = try c.query(
                """
                UPDATE campaign_occasion SET started_at = started_at - make_interval(days => $2::int)
                WHERE campaign_id = (SELECT id FROM campaign WHERE name = $1)
                """, [.text(campaign), .int(Int64(days))])
        }
    }

    /// Rows of a one-column query as text.
    func strings(_ sql: String, _ params: [PostgresValue] = []) throws -> [String] {
        try withConnection { c in try c.query(sql, params).map { try $0.decode(String.self, at: 0) } }
    }
}

extension RPCClient {
    /// Calls `campaign.launch` until the current wave is done; returns the last answer and how many calls it took.
    func launchWave(_ name: String, limit: Int = 1_000) async throws -> (result: JSONValue, calls: Int) {
        var calls = 0
        while true {
            let r = try await call("campaign.launch", ["name": .string(name), "limit": .int(Int64(limit))])
            calls += 1
            if r["done"] == true || r["finished"] == true { return (r, calls) }
            precondition(calls < 100_000, "a launch that never ends")
        }
    }
}
