import NIOConcurrencyHelpers

/// Bounds how often tokens can be guessed. Failed `session.hello` calls are counted per connection
/// and per client address (over a sliding window); past either limit, `session.hello` is refused
/// before the token is looked at: on that connection for as long as it stays open, from that
/// address until enough of its failures are older than the window. The right token is refused too
/// while the limit holds — otherwise the limit would tell a guesser when they got it right.
public final class LoginLimiter: Sendable {
    /// The limits, with their defaults.
    public struct Limits: Sendable, Equatable {
        /// Failed hellos one connection may make; the next hello on it is refused.
        public var maxFailuresPerConnection = 5
        /// Failed hellos one client address may make within the window.
        public var maxFailuresPerAddress = 20
        public var windowSeconds = 60
        /// Most addresses remembered at once (memory bound under a spread-out attack).
        public var maxTrackedAddresses = 10_000

        public init() {}

        /// What is wrong with these limits, if anything.
        public func problem() -> String? {
            if !(1...1_000).contains(maxFailuresPerConnection) { return "failed logins per connection must be 1...1000" }
            if !(1...100_000).contains(maxFailuresPerAddress) { return "failed logins per address must be 1...100000" }
            if !(1...86_400).contains(windowSeconds) { return "the failed-login window must be 1...86400 seconds" }
            if !(1...10_000_000).contains(maxTrackedAddresses) { return "tracked addresses must be 1...10000000" }
            return nil
        }
    }

    /// Why a hello is refused, and for how long.
    public struct Refusal: Sendable, Equatable {
        public enum Scope: String, Sendable { case connection, address }
        public var scope: Scope
        /// Seconds until a hello from the address may succeed again; `nil` for a connection, which
        /// stays refused (the client must reconnect, which counts against its address).
        public var retryAfterSeconds: Int?
    }

    /// What recording a failure led to.
    public struct Failure: Sendable, Equatable {
        public var connectionFailures: Int
        public var addressFailures: Int
        /// Set when this failure is the one that reached a limit (logged once, not at every refusal).
        public var reached: Refusal.Scope?
    }

    private struct State {
        /// Times of recent failures per address, oldest first, at most `maxFailuresPerAddress`.
        var byAddress: [String: [ContinuousClock.Instant]] = [:]
        var byConnection: [String: Int] = [:]
    }

    public let limits: Limits
    private let state = NIOLockedValueBox(State())

    public init(limits: Limits) {
        precondition(limits.problem() == nil, "bad login limits: \(limits.problem()!)")
        self.limits = limits
    }

    private var window: Duration { .seconds(limits.windowSeconds) }

    /// Whether a hello on `connection` from `host` must be refused now.
    public func refusal(connection: String, host: String, now: ContinuousClock.Instant = .now) -> Refusal? {
        state.withLockedValue { s in
            if s.byConnection[connection, default: 0] >= limits.maxFailuresPerConnection {
                return Refusal(scope: .connection, retryAfterSeconds: nil)
            }
            guard let times = s.byAddress[host] else { return nil }
            let recent = times.filter { now - $0 < window }
            guard recent.count >= limits.maxFailuresPerAddress else { return nil }
            // Refused until the oldest failure that counts leaves the window.
            let left = recent[recent.count - limits.maxFailuresPerAddress] + window - now
            return Refusal(scope: .address, retryAfterSeconds: max(1, Int(left.components.seconds) + 1))
        }
    }

    /// Counts a failed hello.
    public func recordFailure(connection: String, host: String, now: ContinuousClock.Instant = .now) -> Failure {
        state.withLockedValue { s in
            s.byConnection[connection, default: 0] += 1
            if s.byAddress[host] == nil, s.byAddress.count >= limits.maxTrackedAddresses {
                Self.makeRoom(&s, now: now, window: window)
            }
            var times = s.byAddress[host, default: []].filter { now - $0 < window }
            times.append(now)
            if times.count > limits.maxFailuresPerAddress { times.removeFirst(times.count - limits.maxFailuresPerAddress) }
            s.byAddress[host] = times
            let perConnection = s.byConnection[connection]!
            var reached: Refusal.Scope? = nil
            if times.count == limits.maxFailuresPerAddress {
                reached = .address
            } else if perConnection == limits.maxFailuresPerConnection {
                reached = .connection
            }
            return Failure(connectionFailures: perConnection, addressFailures: times.count, reached: reached)
        }
    }

    /// Forgets a closed connection (its address keeps its count).
    public func connectionClosed(_ connection: String) {
        _ = state.withLockedValue { $0.byConnection.removeValue(forKey: connection) }
    }

    /// Drops addresses whose failures all left the window; if none did, the one failing least recently.
    private static func makeRoom(_ s: inout State, now: ContinuousClock.Instant, window: Duration) {
        let before = s.byAddress.count
        s.byAddress = s.byAddress.filter { now - ($0.value.last ?? now) < window }
        if s.byAddress.count < before { return }
        if let stalest = s.byAddress.min(by: { ($0.value.last ?? now) < ($1.value.last ?? now) })?.key {
            s.byAddress.removeValue(forKey: stalest)
        }
    }
}
