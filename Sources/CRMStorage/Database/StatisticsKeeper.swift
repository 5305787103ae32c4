import CRMPostgres

/// Keeps the planner's statistics of crm's tables current while they grow fast — a merchant's
/// history loading into a fresh database — by running `ANALYZE` on every table whose rows changed,
/// since its last analysis, by more than a share of the rows that analysis counted.
///
/// Why: crmd prepares its statements once per connection, and PostgreSQL keeps the plan it chose
/// until the statistics of a table in it change. Plans chosen while the tables were nearly empty
/// read them whole (a sequential scan of `shop_order` for every member a push touches), and
/// autovacuum, which looks at most once a minute and waits for 10 % of growth, leaves those plans in
/// use for minutes while the tables grow a hundredfold. An `ANALYZE` makes PostgreSQL re-plan every
/// prepared statement that reads the table. Once the tables are large, growth by half takes long
/// and the keeper leaves the work to autovacuum.
public struct StatisticsKeeper: Sendable {
    /// When a table is analysed again.
    public struct Limits: Sendable {
        /// Rows that must change before a table is looked at at all.
        public var minChangedRows: Int64 = 1_000
        /// Share of the rows the last analysis counted that must change (0.5: grown by half).
        public var changedShare: Double = 0.5

        public init() {}
    }

    /// A table analysed, with what its previous analysis had counted and what changed since.
    public struct Analyzed: Sendable, Equatable {
        public let table: String
        public let countedBefore: Int64
        public let changedSince: Int64
    }

    /// Advisory lock key ("crm_an") so that of several crmd instances one analyses at a time.
    static let lockKey: Int64 = 0x63726d5f616e

    let pool: PostgresPool
    let limits: Limits

    public init(pool: PostgresPool, limits: Limits = Limits()) {
        precondition(limits.minChangedRows >= 0 && limits.changedShare > 0, "statistics limits must be positive")
        self.pool = pool
        self.limits = limits
    }

    /// What one round did: the tables analysed, and those whose `ANALYZE` failed (a statement
    /// timeout on a huge table, say) with why — a failing table never keeps the others from their turn.
    public struct Round: Sendable {
        public var analyzed: [Analyzed] = []
        public var failed: [(table: String, error: String)] = []
    }

    /// Analyses the tables of the current schema that changed enough (nothing when another
    /// instance is analysing at the moment).
    public func refresh() async throws -> Round {
        let limits = self.limits
        return try await pool.withConnection { c in
            let due = try c.queryPrepared(
                """
                SELECT s.relname, greatest(c.reltuples, 0)::bigint, s.n_mod_since_analyze
                FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
                WHERE s.schemaname = current_schema()
                  -- Only tables this role may analyse (PostgreSQL skips others with a warning every round).
                  AND pg_has_role(current_user, c.relowner, 'MEMBER')
                  AND s.n_mod_since_analyze > $1::bigint + $2::float8 * greatest(c.reltuples, 0)
                ORDER BY s.n_mod_since_analyze DESC
                """, [.int(limits.minChangedRows), .text(String(limits.changedShare))]
            ).map {
                Analyzed(table: try $0.decode(at: 0), countedBefore: try $0.decode(at: 1), changedSince: try $0.decode(at: 2))
            }
            var round = Round()
            guard !due.isEmpty else { return round }
            if c.pooler == .transaction { return try Self.analyzeInTransactions(due, on: c) }
            guard try c.query("SELECT pg_try_advisory_lock($1)", [.int(Self.lockKey)]).single!.decode(Bool.self, at: 0) else { return round }
            defer { _ = try? c.query("SELECT pg_advisory_unlock($1)", [.int(Self.lockKey)]) }
            for table in due {
                // One statement per table: its statistics (and the re-planning) take effect at once.
                do {
                    try c.query("ANALYZE " + Self.quoted(table.table))
                    round.analyzed.append(table)
                } catch {
                    round.failed.append((table.table, "\(error)"))
                }
            }
            return round
        }
    }

    /// Behind a transaction-mode pooler a session lock would stay on whichever server connection took
    /// it: each table is analysed in a transaction of its own under the transaction-scoped lock
    /// instead (ANALYZE may run in a transaction; it takes effect when that commits, at once).
    static func analyzeInTransactions(_ due: [Analyzed], on c: PostgresConnection) throws -> Round {
        var round = Round()
        for table in due {
            do {
                let ran = try c.transaction { t in
                    guard try t.query("SELECT pg_try_advisory_xact_lock($1)", [.int(Self.lockKey)]).single!.decode(Bool.self, at: 0) else { return false }
                    try t.query("ANALYZE " + Self.quoted(table.table))
                    return true
                }
                // Another instance is analysing: it will get to the rest.
                guard ran else { return round }
                round.analyzed.append(table)
            } catch {
                round.failed.append((table.table, "\(error)"))
            }
        }
        return round
    }

    /// `name` as a quoted SQL identifier.
    static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
