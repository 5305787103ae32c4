import CRMPostgres
import NIOConcurrencyHelpers

/// Whether the database answers, checked at most once per `maxAge` however often health is
/// asked for, so `server.health` stays cheap under load and a load balancer's probes cost nothing.
final class DatabaseHealth: Sendable {
    private struct State {
        var checkedAt: ContinuousClock.Instant? = nil
        var up = true
        var checking = false
    }

    private let pool: PostgresPool
    private let maxAge: Duration
    private let state = NIOLockedValueBox(State())

    init(pool: PostgresPool, maxAge: Duration = .seconds(1)) {
        self.pool = pool
        self.maxAge = maxAge
    }

    /// The last known state, refreshed first when it is stale (one check at a time).
    func isUp() async -> Bool {
        let now = ContinuousClock.now
        let (shouldCheck, cached) = state.withLockedValue { s -> (Bool, Bool) in
            if let at = s.checkedAt, now - at < maxAge { return (false, s.up) }
            if s.checking { return (false, s.up) }
            s.checking = true
            return (true, s.up)
        }
        guard shouldCheck else { return cached }
        let up: Bool
        do {
            _ = try await pool.withConnection { try $0.query("SELECT 1") }
            up = true
        } catch let error as PostgresError where error.kind == .poolExhausted {
            up = true  // busy, not down
        } catch let error as PostgresError where error.kind == .cancelled {
            // The asking task was cancelled (shutdown): that says nothing about the database.
            state.withLockedValue { $0.checking = false }
            return cached
        } catch {
            up = false
        }
        state.withLockedValue { s in
            s.up = up
            s.checking = false
            s.checkedAt = ContinuousClock.now
        }
        return up
    }

    var lastKnown: Bool { state.withLockedValue { $0.up } }
}
