import CRMProtocol
import NIOConcurrencyHelpers

/// Decides who may connect, so that clients without a token cannot take every slot: a cap on all
/// connections, a cap per client address, and a cap on connections that have not yet said
/// `session.hello`. When that last cap is reached, the oldest connection still waiting for its hello
/// is closed to make room rather than refusing the newcomer: a client with a token then always gets
/// in and, once its hello succeeds, no longer counts against the cap. Sessions thus keep the slots
/// between `maxUnauthenticatedConnections` and `maxConnections`. With the cap at or above
/// `maxConnections` no room is kept: a newcomer past `maxConnections` is refused like any other.
final class ConnectionAdmission: Sendable {
    struct Limits: Sendable {
        var total: Int
        var perAddress: Int
        var unauthenticated: Int
    }

    /// What happened to a connection that asked to come in.
    enum Decision: Sendable {
        /// Admitted; `evicted` must be called to close the waiting connection that made room, if any.
        case admitted(evicted: (@Sendable () -> Void)?)
        case refused(RPCError)
    }

    private struct Waiting: Sendable {
        var evict: @Sendable () -> Void
    }

    private struct State: Sendable {
        var open = 0
        var perAddress: [String: Int] = [:]
        /// Connections without a session, by connection id (ids grow, so the smallest is the oldest).
        var waiting: [Int: Waiting] = [:]
        /// Connections closed to make room, whose slot a newcomer already took over.
        var evicted: Set<Int> = []
    }

    let limits: Limits
    private let state = NIOLockedValueBox(State())

    init(limits: Limits) {
        precondition(limits.total > 0 && limits.perAddress > 0 && limits.unauthenticated > 0, "limits must be positive")
        self.limits = limits
    }

    /// Admits connection `id` from `address`, or says why not. `evict` closes this connection if it
    /// must later make room while still waiting for its hello.
    func admit(id: Int, address: String, evict: @escaping @Sendable () -> Void) -> Decision {
        state.withLockedValue { s in
            if s.perAddress[address, default: 0] >= limits.perAddress {
                return .refused(.overloaded("the server has reached its limit of \(limits.perAddress) connections from one address",
                                            reason: "too_many_from_address"))
            }
            var evicted: Waiting? = nil
            if limits.unauthenticated < limits.total, s.waiting.count >= limits.unauthenticated, let oldest = s.waiting.keys.min() {
                // The oldest waiting connection gives up its slot at once (its channel closes shortly).
                evicted = s.waiting.removeValue(forKey: oldest)
                s.evicted.insert(oldest)
            } else if s.open >= limits.total {
                return .refused(.overloaded("the server has reached its limit of \(limits.total) connections", reason: "too_many_connections"))
            }
            if evicted == nil { s.open += 1 }  // an evicted connection hands its slot over
            s.perAddress[address, default: 0] += 1
            s.waiting[id] = Waiting(evict: evict)
            assert(s.open <= limits.total && s.waiting.count <= max(limits.unauthenticated, limits.total), "admitted past a limit")
            return .admitted(evicted: evicted?.evict)
        }
    }

    /// The connection said hello: it no longer counts against the unauthenticated cap.
    func authenticated(id: Int) {
        _ = state.withLockedValue { $0.waiting.removeValue(forKey: id) }
    }

    /// Whether connection `id` is still waiting for its hello (and has not been evicted).
    func isWaitingForHello(id: Int) -> Bool {
        state.withLockedValue { $0.waiting[id] != nil }
    }

    /// Connection `id` closed (an evicted one already handed its slot over).
    func closed(id: Int, address: String) {
        state.withLockedValue { s in
            s.waiting[id] = nil
            if s.evicted.remove(id) == nil {
                precondition(s.open > 0, "connection count went negative")
                s.open -= 1
            }
            let remaining = s.perAddress[address, default: 0] - 1
            precondition(remaining >= 0, "per-address count went negative")
            s.perAddress[address] = remaining == 0 ? nil : remaining
        }
    }
}
