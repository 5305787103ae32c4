import CRMDomain
import CRMPostgres

/// Archives a month of the points ledger through `crm_archive_ledger_month` (migration 25), which
/// carries the month's sums forward and detaches its two partitions in one transaction, or refuses
/// and changes nothing (docs/operations.md, "Partitions").
public struct LedgerArchive: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    public struct Outcome: Sendable {
        public var entries: Int64, lotChanges: Int64, kept: Int64
        public var detached: [String]
    }

    /// Archives the month starting on `firstDay` (`YYYY-MM-01`).
    public func archive(firstDay: String) async throws -> Outcome {
        do {
            return try await pool.withTransaction { c in
                // The sums read the whole month, which can outlast the per-request statement limit.
                try c.query("SET LOCAL statement_timeout = '\(LedgerVerifier.timeoutSeconds)s'")
                try c.queryPrepared("SELECT crm_archive_ledger_month($1::date)", [.text(firstDay)])
                let row = try c.queryPrepared(
                    """
                    SELECT a.entries, a.lot_changes,
                           (SELECT count(*) FROM points_entry_kept k WHERE k.id >= \(ArchivedLedgerChecks.firstID("a.month"))
                                                                        AND k.id < \(ArchivedLedgerChecks.firstID("(a.month + interval '1 month')"))),
                           to_char(a.month, 'YYYY_MM')
                    FROM points_archived_month a WHERE a.month = $1::date
                    """, [.text(firstDay)]
                ).single!
                let suffix: String = try row.decode(at: 3)
                return Outcome(
                    entries: try row.decode(at: 0), lotChanges: try row.decode(at: 1), kept: try row.decode(at: 2),
                    detached: ["points_entry_" + suffix, "points_entry_lot_" + suffix])
            }
        } catch let e as PostgresError {
            throw Self.refusal(e) ?? e
        }
    }

    /// The function's refusals (and a lock not granted in time) as the caller's errors; nil for others.
    static func refusal(_ e: PostgresError) -> StorageError? {
        let prefix = "crm_archive_ledger_month: "
        let message = e.message.hasPrefix(prefix) ? String(e.message.dropFirst(prefix.count)) : e.message
        switch e.sqlState {
        case "42710": return .conflict(reason: .alreadyArchived, message: message)
        case "22023", "55000": return .refused(reason: .monthNotArchivable, message: message)
        case "55P03": return .refused(reason: .monthNotArchivable, message: "the ledger was busy (its lock not granted within 5 s): try again")
        default: return nil
        }
    }
}
