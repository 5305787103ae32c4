import CRMPostgres

/// Makes the monthly partitions of crm's partitioned tables ahead of time: the current UTC month and
/// the next `monthsAhead`, for every table of the schema partitioned by range (migration 19's
/// `member_history`, and any partitioned later), so that rows land in their month's partition and not
/// in the DEFAULT one. crmd runs it at start and daily; it is idempotent, and several instances may
/// run it at once: an advisory transaction lock makes them take turns, and the later ones find the
/// partitions made. A month whose rows already sit in the DEFAULT partition (a row dated ahead) gets
/// them moved into its new partition (`crm_ensure_month_partition`, sql/0019).
public struct PartitionMaintainer: Sendable {
    /// Advisory lock key ("crm_part") serialising the makers of partitions.
    static let lockKey: Int64 = 0x63726d5f70617274

    /// What one round found and did.
    public struct Round: Sendable, Equatable {
        /// Partitions made by this round, e.g. `member_history_2026_12`.
        public var created: [String] = []
        /// The newest month every partitioned table has a partition for (the least far ahead of
        /// them), as `YYYY-MM`; nil when no table is partitioned by month.
        public var newestMonth: String? = nil
        /// The same month's first instant, seconds since the epoch (for the metric and alerts).
        public var newestMonthStart: Int64? = nil
    }

    /// Months made after the current one (0 makes only the current month).
    public let monthsAhead: Int

    public init(monthsAhead: Int = 3) {
        precondition(monthsAhead >= 0 && monthsAhead <= 120, "partitions ahead must be 0...120 months")
        self.monthsAhead = monthsAhead
    }

    /// Makes what is missing, in one transaction of its own on `connection`, and reports the newest
    /// month afterwards.
    public func ensure(on connection: PostgresConnection) throws -> Round {
        var round = Round()
        try connection.transaction { c in
            try c.query("SELECT pg_advisory_xact_lock($1)", [.int(Self.lockKey)])
            // Making a partition locks its table exclusively for a moment; queued behind a long
            // transaction it would hold up every write after it. It gives up instead (crmd tries again).
            try c.query("SET LOCAL lock_timeout = '5s'")
            for row in try c.query(
                """
                SELECT format('%s_%s', t.relname, to_char(m, 'YYYY_MM'))
                FROM (\(Self.partitionedTables)) t,
                     generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'),
                                     date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => $1::int), interval '1 month') m
                WHERE crm_ensure_month_partition(t.oid::regclass, m::date)
                ORDER BY 1
                """, [.int(Int64(monthsAhead))])
            {
                round.created.append(try row.decode(at: 0))
            }
        }
        (round.newestMonth, round.newestMonthStart) = try Self.newestMonth(on: connection)
        return round
    }

    /// The same on a connection of `pool`.
    public func ensure(pool: PostgresPool) async throws -> Round {
        let maintainer = self
        return try await pool.withConnection { try maintainer.ensure(on: $0) }
    }

    /// The newest month that every partitioned table has a partition for, read from the catalog
    /// (partitions are named `<table>_YYYY_MM`).
    public static func newestMonth(on c: PostgresConnection) throws -> (String?, Int64?) {
        let row = try c.query(
            """
            SELECT to_char(min(newest), 'YYYY-MM'), extract(epoch FROM min(newest)::timestamp AT TIME ZONE 'UTC')::bigint
            FROM (SELECT max(to_date(right(p.relname, 7), 'YYYY_MM')) AS newest
                  FROM (\(partitionedTables)) t
                  LEFT JOIN pg_inherits i ON i.inhparent = t.oid
                  LEFT JOIN pg_class p ON p.oid = i.inhrelid AND p.relname ~ ('^' || t.relname || '_[0-9]{4}_[0-9]{2}$')
                  GROUP BY t.oid) per_table
            """
        ).single!
        return (try row.decode(at: 0), try row.decode(at: 1))
    }

    /// The tables of the current schema partitioned by range (their oid and name).
    static let partitionedTables = """
        SELECT c.oid, c.relname FROM pg_partitioned_table pt
        JOIN pg_class c ON c.oid = pt.partrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND pt.partstrat = 'r' AND NOT c.relispartition
        """
}
