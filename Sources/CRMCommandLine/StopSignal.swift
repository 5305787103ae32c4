import Synchronization
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stop asked for by SIGINT or SIGTERM, received through swift-service-lifecycle's
/// `UnixSignals`: a client finishes what it has in flight (store-sync: the answers to what it
/// sent, then its checkpoint; points-expiry: the batch the server is running), then stops. A
/// second signal ends the process at once, with status 128 + the signal's number.
public enum StopSignal {
    private struct State {
        /// The first signal's number; 0 while none came.
        var number: Int32 = 0
        /// Tasks waiting in `requested()`, by a number of their own.
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var lastWaiter = 0
    }

    private static let state = Mutex(State())

    public static var isRequested: Bool { signalNumber != nil }

    /// The signal that asked to stop (SIGINT or SIGTERM), or nil when none came.
    public static var signalNumber: Int32? {
        state.withLock { $0.number == 0 ? nil : $0.number }
    }

    /// The conventional exit status of a process stopped by that signal (130 for SIGINT, 143 for SIGTERM).
    public static var exitStatus: Int32 { 128 + (signalNumber ?? SIGTERM) }

    /// Runs `body` with SIGINT and SIGTERM taken as a request to stop (`isRequested`) instead of
    /// ending the process; the signals are listened to in a child task for as long as `body` runs.
    public static func handling<T>(_ body: () async throws -> T) async throws -> T {
        // Awaited: the handlers are in place before `body` starts, so an early signal is not lost.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await signal in signals { received(signal.rawValue) }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Returns once a stop is requested, or when the waiting task is cancelled.
    public static func requested() async {
        let id = state.withLock { s in
            s.lastWaiter += 1
            return s.lastWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s in
                    if s.number != 0 || Task.isCancelled { return true }
                    s.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// Waits `duration`, or less when a stop is requested meanwhile.
    public static func sleep(for duration: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Task.sleep(for: duration) }
            group.addTask { await requested() }
            try await group.next()
            group.cancelAll()
        }
    }

    private static func received(_ number: Int32) {
        let waiters: [CheckedContinuation<Void, Never>]? = state.withLock { s in
            guard s.number == 0 else { return nil }
            s.number = number
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        guard let waiters else { _exit(128 + number) }
        for waiter in waiters { waiter.resume() }
    }
}
