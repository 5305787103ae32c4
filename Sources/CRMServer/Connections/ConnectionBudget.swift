import Metrics
import NIOConcurrencyHelpers

/// The memory budget of all connections together: bytes of complete lines read ahead (waiting or
/// running) and of replies queued for sending. Every reservation is checked, so the figure never
/// passes the limit: a line that does not fit is refused (its connection is told so and closed), and
/// a reply that does not fit closes its connection (its client was not reading). A partial line,
/// still being received, is bounded per connection by the line limit and is not counted here.
final class ConnectionBudget: Sendable {
    /// What `server.stats` shows.
    struct Figures: Sendable {
        var usedBytes = 0
        var peakBytes = 0
    }

    let limitBytes: Int
    private let state = NIOLockedValueBox(Figures())
    /// Reservations refused because they did not fit (`crmd_buffer_refusals_total`).
    private let refusals: Counter

    init(limitBytes: Int, refusals: Counter) {
        precondition(limitBytes > 0, "a budget must be positive")
        self.limitBytes = limitBytes
        self.refusals = refusals
    }

    var figures: Figures { state.withLockedValue { $0 } }

    /// Takes `bytes` when they fit; false (and counted) when they would take the total over the limit.
    fileprivate func reserve(_ bytes: Int) -> Bool {
        precondition(bytes >= 0, "negative reservation")
        return state.withLockedValue { s in
            guard s.usedBytes + bytes <= limitBytes else {
                refusals.increment()
                return false
            }
            s.usedBytes += bytes
            s.peakBytes = max(s.peakBytes, s.usedBytes)
            assert(s.usedBytes <= limitBytes, "budget overdrawn")
            return true
        }
    }

    fileprivate func release(_ bytes: Int) {
        state.withLockedValue { s in
            precondition(bytes >= 0 && bytes <= s.usedBytes, "released more than was reserved")
            s.usedBytes -= bytes
        }
    }
}

/// One connection's part of the budget. Closing it gives back everything it still holds at once
/// (lines never read by the serve loop, replies never written), so nothing leaks when a connection
/// ends in the middle; releases after that are ignored.
final class BudgetAccount: Sendable {
    private let budget: ConnectionBudget
    private let state = NIOLockedValueBox((held: 0, closed: false))

    init(budget: ConnectionBudget) {
        self.budget = budget
    }

    /// Reserves `bytes` for this connection; false when the budget has no room or the account is closed.
    func reserve(_ bytes: Int) -> Bool {
        // Lock order is always account, then budget.
        state.withLockedValue { s in
            guard !s.closed, budget.reserve(bytes) else { return false }
            s.held += bytes
            return true
        }
    }

    func release(_ bytes: Int) {
        state.withLockedValue { s in
            guard !s.closed else { return }  // closing gave it back already
            precondition(bytes <= s.held, "a connection released more than it held")
            s.held -= bytes
            budget.release(bytes)
        }
    }

    func close() {
        state.withLockedValue { s in
            guard !s.closed else { return }
            s.closed = true
            budget.release(s.held)
            s.held = 0
        }
    }
}
