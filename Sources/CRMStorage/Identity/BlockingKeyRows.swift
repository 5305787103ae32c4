import CRMPostgres

/// Writes accounts' blocking keys, each with its account's `match_stamp` (migration 26), which the
/// screen of a push reads from the keys' index to know whether a candidate it opened before is still
/// as it was (`OpenedProfiles`). Every writer of blocking keys goes through here; an account written
/// again without its keys keeps them equal through the trigger `account_match_stamp`.
enum BlockingKeyRows {
    /// Inserts the blocking keys `keys[i]` of `accounts[i]`: with `stamps`, the keys of accounts just
    /// made (none of them there yet), with the stamps their insert returned; without, with the stamps
    /// the accounts hold now, leaving keys already there as they are.
    static func insert(_ c: PostgresConnection, accounts: [Int64], keys: [String?], stamps: [Int64]? = nil) throws {
        precondition(accounts.count == keys.count && (stamps?.count ?? accounts.count) == accounts.count, "one account per key")
        guard !accounts.isEmpty else { return }
        if let stamps {
            try c.queryPrepared(
                """
                INSERT INTO blocking_key (account_id, key, stamp) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])
                """, [.intArray(accounts), .textArray(keys), .intArray(stamps)])
            return
        }
        try c.queryPrepared(
            """
            INSERT INTO blocking_key (account_id, key, stamp)
            SELECT t.a, t.k, a.match_stamp FROM unnest($1::bigint[], $2::text[]) AS t(a, k) JOIN account a ON a.id = t.a
            ON CONFLICT DO NOTHING
            """, [.intArray(accounts), .textArray(keys)])
    }
}
