import Synchronization

/// The in-flight window: how many pushes are sent and not yet acknowledged (at most `limit`,
/// `--in-flight`). The batcher enters before it sends and waits, on a continuation, while the
/// window is full; the acknowledger leaves once a push's answer is recorded in the checkpoint,
/// so what an agent killed at any moment sends again is at most `limit` pushes. When the
/// acknowledger fails, `fail` wakes the batcher with its error.
final class InFlightWindow: Sendable {
    private struct Waiter {
        /// Waiting for a place (`enter`), or for the window to be empty (`drained`).
        let entering: Bool
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        let limit: Int
        var outstanding = 0
        var failure: (any Error)? = nil
        var waiters: [Waiter] = []

        /// Whether a waiter may go on now; one entering takes its place at once.
        mutating func admits(entering: Bool) -> Bool {
            guard entering else { return outstanding == 0 }
            guard outstanding < limit else { return false }
            outstanding += 1
            return true
        }

        /// Removes the waiters that may go on now, in the order they came.
        mutating func admitted() -> [Waiter] {
            var admitted: [Waiter] = []
            var still: [Waiter] = []
            for waiter in waiters {
                if admits(entering: waiter.entering) { admitted.append(waiter) } else { still.append(waiter) }
            }
            waiters = still
            return admitted
        }
    }

    private let state: Mutex<State>

    init(limit: Int) {
        state = Mutex(State(limit: limit))
    }

    /// Takes a place for a push, waiting while the window is full.
    func enter() async throws {
        try await wait(entering: true)
    }

    /// Returns once every push sent was acknowledged.
    func drained() async throws {
        try await wait(entering: false)
    }

    /// Gives back a push's place once its answer is recorded.
    func leave() {
        let admitted = state.withLock { s in
            s.outstanding -= 1
            return s.admitted()
        }
        for waiter in admitted { waiter.continuation.resume() }
    }

    /// Nothing more will be acknowledged: whoever waits, or comes to wait, gets `error`.
    func fail(_ error: any Error) {
        let waiting = state.withLock { s in
            s.failure = s.failure ?? error
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiting { waiter.continuation.resume(throwing: error) }
    }

    private func wait(entering: Bool) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let now: Result<Void, any Error>? = state.withLock { s in
                if let failure = s.failure { return .failure(failure) }
                if s.admits(entering: entering) { return .success(()) }
                s.waiters.append(Waiter(entering: entering, continuation: continuation))
                return nil
            }
            if let now { continuation.resume(with: now) }
        }
    }
}
