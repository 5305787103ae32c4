import CRMPostgres

extension PostgresConnection {
    /// Holds the identity lock shared until the transaction ends: no merge or unmerge (which hold it
    /// alone) moves members while this transaction writes what hangs off them (points, levels, tags).
    /// Read the member after taking it.
    func lockIdentityShared() throws {
        try queryPrepared("SELECT pg_advisory_xact_lock_shared($1)", [.int(IngestEngine.identityLockKey)])
    }
}
