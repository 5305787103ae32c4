import CRMPostgres

/// The note every identity-resolving push leaves, under the identity lock, of the accounts whose
/// keys or matching fields it added or changed (`identity_change`). It lets a push screen its new
/// accounts for possible matches before it waits for the lock, and then, holding the lock, screen
/// them again only against the accounts noted since: the lock is held until commit and a note's
/// `seq` is drawn under it, so the notes after a mark are exactly what committed after it.
struct IdentityJournal {
    let c: PostgresConnection
    /// Notes kept; older ones are removed as new ones come.
    static let kept: Int64 = 10_000

    /// The last note committed: read before screening, without the lock.
    func mark() throws -> Int64 {
        try c.queryPrepared("SELECT COALESCE(max(seq), 0) FROM identity_change", []).single!.decode(at: 0)
    }

    /// The accounts noted after `mark`, read under the identity lock; nil when notes after the mark
    /// may have been removed, or one of them replaced an account's keys (the caller screens in full:
    /// a removed key may have left a block of candidates small enough to be compared again).
    func changed(since mark: Int64) throws -> [Int64]? {
        let oldest: Int64? = try c.queryPrepared("SELECT min(seq) FROM identity_change", []).single!.decode(at: 0)
        guard let oldest else { return mark == 0 ? [] : nil }
        if oldest > mark + 1 { return nil }
        var accounts = Set<Int64>()
        for row in try c.queryPrepared("SELECT unnest(accounts), replaced FROM identity_change WHERE seq > $1", [.int(mark)]) {
            if try row.decode(Bool.self, at: 1) { return nil }
            accounts.insert(try row.decode(at: 0))
        }
        return accounts.sorted()
    }

    /// Notes `accounts` as added by this push, or with `replaced`, as existing accounts whose keys it
    /// replaced; the caller holds the identity lock.
    func note(_ accounts: [Int64], replaced: Bool) throws {
        guard !accounts.isEmpty else { return }
        let seq: Int64 = try c.queryPrepared(
            "INSERT INTO identity_change (accounts, replaced) VALUES ($1::bigint[], $2) RETURNING seq",
            [.intArray(accounts), .bool(replaced)]
        ).single!.decode(at: 0)
        if seq % 1_000 == 0 {
            try c.queryPrepared("DELETE FROM identity_change WHERE seq <= $1", [.int(seq - Self.kept)])
        }
    }
}
