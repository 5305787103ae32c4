import CRMProtocol
import NIOConcurrencyHelpers

/// Counters of the limits that protect logins and personal data, and of database outages: what
/// `server.stats` shows under `security` and the Prometheus endpoint exposes.
public final class SecurityCounters: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// `session.hello` calls with a token that is unknown, revoked or malformed.
        public var failedLogins: UInt64 = 0
        /// `session.hello` calls refused without looking at the token, over the failed-login limit.
        public var refusedLogins: UInt64 = 0
        /// Member lookups by masked roles (each one audited).
        public var maskedLookups: UInt64 = 0
        /// Member lookups by masked roles refused over the lookup limit.
        public var refusedLookups: UInt64 = 0
        /// Background database work that failed because the database could not be reached.
        public var databaseFailures: UInt64 = 0
    }

    private let state = NIOLockedValueBox(Snapshot())

    public init() {}

    func count(_ counter: WritableKeyPath<Snapshot, UInt64>) { state.withLockedValue { $0[keyPath: counter] += 1 } }

    public var snapshot: Snapshot { state.withLockedValue { $0 } }

    /// What `server.stats` shows under `security`.
    var stats: RPC.Server.Stats.Security {
        let s = snapshot
        return RPC.Server.Stats.Security(failedLogins: Int64(s.failedLogins), refusedLogins: Int64(s.refusedLogins), maskedLookups: Int64(s.maskedLookups),
                                         refusedLookups: Int64(s.refusedLookups), databaseFailures: Int64(s.databaseFailures))
    }

    /// Lines of the Prometheus text exposition.
    var prometheusText: String {
        let s = snapshot
        let counters: [(String, String, UInt64)] = [
            ("crmd_failed_logins_total", "session.hello calls with an unknown, revoked or malformed token.", s.failedLogins),
            ("crmd_refused_logins_total", "session.hello calls refused over the failed-login limit.", s.refusedLogins),
            ("crmd_masked_lookups_total", "Member lookups by masked roles (each audited).", s.maskedLookups),
            ("crmd_refused_lookups_total", "Member lookups by masked roles refused over the lookup limit.", s.refusedLookups),
            ("crmd_database_failures_total", "Background database work that failed because the database could not be reached.", s.databaseFailures),
        ]
        return counters.map { "# HELP \($0.0) \($0.1)\n# TYPE \($0.0) counter\n\($0.0) \($0.2)\n" }.joined()
    }
}
