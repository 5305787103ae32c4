import CRMProtocol
import NIOConcurrencyHelpers

/// Decides who may connect, so that clients without a token cannot take every slot: a cap on all
/// connections, a cap per client address, and a cap on connections that have not yet said
/// `session.hello`. When the cap without a session is reached, the oldest connection still waiting
/// for its hello is closed to make room rather than refusing the newcomer; when an address is at
/// its cap, the oldest connection of that address still waiting for its hello makes room the same
/// way, and the newcomer is refused only when all of that address's connections have sessions. A
/// client with a token thus always gets in (a balancer that hides client addresses included) and,
/// once its hello succeeds, no longer counts against the cap without a session. Sessions keep the
/// slots between `maxUnauthenticatedConnections` and `maxConnections`. With the cap at or above
/// `maxConnections` no room is kept: a newcomer past `maxConnections` is refused like any other.
final class ConnectionAdmission: Sendable {
    struct Limits: Sendable {
        var total: Int
        var perAddress: Int
        var unauthenticated: Int
    }

    /// Why a waiting connection was closed to make room.
    enum Eviction: Sendable {
        case unauthenticated
        case address
    }

    /// What happened to a connection that asked to come in.
    enum Decision: Sendable {
        /// Admitted; `evicted` must be called to close the waiting connection that made room, if any.
        case admitted(evicted: (@Sendable () -> Void)?)
        case refused(RPCError)
    }

    private struct Waiting: Sendable {
        var address: String
        var evict: @Sendable (Eviction) -> Void
    }

    private struct State: Sendable {
        var open = 0
        var perAddress: [String: Int] = [:]
        /// Connections without a session, by connection id (ids grow, so the smallest is the oldest).
        var waiting: [Int: Waiting] = [:]
        /// Connections closed to make room, whose slot (and place in their address's count) a
        /// newcomer already took over.
        var evicted: Set<Int> = []

        /// Takes the waiting connection `id` out, handing its slots over to a newcomer.
        mutating func evict(_ id: Int) -> Waiting? {
            guard let gone = waiting.removeValue(forKey: id) else { return nil }
            evicted.insert(id)
            open -= 1
            perAddress[gone.address, default: 0] -= 1
            if perAddress[gone.address] == 0 { perAddress[gone.address] = nil }
            return gone
        }
    }

    let limits: Limits
    private let state = NIOLockedValueBox(State())

    init(limits: Limits) {
        precondition(limits.total > 0 && limits.perAddress > 0 && limits.unauthenticated > 0, "limits must be positive")
        self.limits = limits
    }

    /// Admits connection `id` from `address`, or says why not. `evict` closes this connection,
    /// saying why, if it must later make room while still waiting for its hello.
    func admit(id: Int, address: String, evict: @escaping @Sendable (Eviction) -> Void) -> Decision {
        state.withLockedValue { s -> Decision in
            var evicted: (Waiting, Eviction)? = nil
            if s.perAddress[address, default: 0] >= limits.perAddress {
                // The oldest connection of this address without a session makes room, if there is one.
                guard let oldest = s.waiting.filter({ $0.value.address == address }).keys.min(), let gone = s.evict(oldest) else {
                    return .refused(
                        .overloaded(
                            "the server has reached its limit of \(limits.perAddress) connections from one address",
                            reason: .tooManyFromAddress))
                }
                evicted = (gone, .address)
            } else if limits.unauthenticated < limits.total, s.waiting.count >= limits.unauthenticated,
                let oldest = s.waiting.keys.min(), let gone = s.evict(oldest)
            {
                evicted = (gone, .unauthenticated)
            } else if s.open >= limits.total {
                return .refused(.overloaded("the server has reached its limit of \(limits.total) connections", reason: .tooManyConnections))
            }
            s.open += 1
            s.perAddress[address, default: 0] += 1
            s.waiting[id] = Waiting(address: address, evict: evict)
            assert(s.open <= limits.total && s.perAddress[address, default: 0] <= limits.perAddress, "admitted past a limit")
            guard let (gone, why) = evicted else { return .admitted(evicted: nil) }
            let evict = gone.evict
            return .admitted(evicted: { evict(why) })
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

    /// Connection `id` closed (an evicted one already handed its slots over).
    func closed(id: Int, address: String) {
        state.withLockedValue { s in
            s.waiting[id] = nil
            guard s.evicted.remove(id) == nil else { return }
            precondition(s.open > 0, "connection count went negative")
            s.open -= 1
            let remaining = s.perAddress[address, default: 0] - 1
            precondition(remaining >= 0, "per-address count went negative")
            s.perAddress[address] = remaining == 0 ? nil : remaining
        }
    }
}
