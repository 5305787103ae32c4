import NIOConcurrencyHelpers
import NIOCore

/// Connections accepted and wrapped but not yet taken by the accept loop. At shutdown the loop
/// stops while some may still be on their way from the listener; NIO traps when a wrapped channel
/// is dropped without being closed through it, so those are closed here instead: the ones waiting
/// when the loop ends, and any that arrive after.
final class AcceptedConnections: Sendable {
    private struct State {
        var open = true
        var waiting: [ObjectIdentifier: AcceptedConnection] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// A connection the listener wrapped. False once the accept loop has ended: the caller closes it.
    func arrived(_ connection: AcceptedConnection) -> Bool {
        state.withLockedValue { state in
            guard state.open else { return false }
            state.waiting[Self.key(connection)] = connection
            return true
        }
    }

    /// The accept loop took the connection and serves it.
    func taken(_ connection: AcceptedConnection) {
        _ = state.withLockedValue { $0.waiting.removeValue(forKey: Self.key(connection)) }
    }

    /// The accept loop ended: the connections still waiting, to be closed; later ones are refused.
    func close() -> [AcceptedConnection] {
        state.withLockedValue { state in
            state.open = false
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
    }

    /// Closes a connection that will not be served (through its wrapper, as NIO requires).
    static func closeUnserved(_ connection: AcceptedConnection) async {
        try? await connection.channel.executeThenClose { _, _ in }
        connection.budget.close()
    }

    private static func key(_ connection: AcceptedConnection) -> ObjectIdentifier {
        ObjectIdentifier(connection.channel.channel)
    }
}
