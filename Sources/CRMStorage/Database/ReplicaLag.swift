import CRMPostgres

/// How far a streaming replica is behind its primary, read on the replica itself.
public struct ReplicaLag: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// Seconds since the last transaction the replica replayed was committed on the primary; 0 when
    /// it streams from its primary and has replayed all it received (an idle primary sends nothing,
    /// and the replay timestamp would otherwise grow while nothing is missing), or when the server
    /// is not in recovery (a promoted replica). A replica cut off from its primary (no WAL receiver)
    /// cannot know what it misses: it counts from its last replayed commit, as a lag that grows.
    public func seconds() async throws -> Double {
        try await pool.withConnection { c in
            try c.query(
                """
                SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0
                            WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
                                 AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0
                            ELSE GREATEST(0, COALESCE(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)) END::float8
                """
            ).single!.decode(Double.self, at: 0)
        }
    }
}
