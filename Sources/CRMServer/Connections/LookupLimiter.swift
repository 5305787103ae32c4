import NIOConcurrencyHelpers

/// Bounds how fast a masked role (the analyst) may look members up: each guess at a masked value
/// (`139****5678`: which four digits?) is one lookup, so a budget per token over a sliding window
/// turns minutes of guessing into days, and the audit trail shows it. Kept per token rather than
/// per session, so opening new sessions does not reset it.
public final class LookupLimiter: Sendable {
    /// The limits, with their defaults.
    public struct Limits: Sendable, Equatable {
        /// Lookups one token may make within the window.
        public var maxLookups = 20
        public var windowSeconds = 60
        /// Most tokens remembered at once.
        public var maxTrackedTokens = 100_000

        public init() {}

        /// What is wrong with these limits, if anything.
        public func problem() -> String? {
            if !(1...100_000).contains(maxLookups) { return "lookups per window must be 1...100000" }
            if !(1...86_400).contains(windowSeconds) { return "the lookup window must be 1...86400 seconds" }
            if !(1...10_000_000).contains(maxTrackedTokens) { return "tracked tokens must be 1...10000000" }
            return nil
        }
    }

    /// A token's recent lookups, and whether it is being refused (to log the first refusal only).
    private struct Budget {
        /// Times of recent lookups, oldest first, at most `maxLookups`.
        var times: [ContinuousClock.Instant] = []
        var refusing = false
    }

    /// Whether a lookup may go ahead, or in how many seconds one would.
    public enum Verdict: Sendable, Equatable {
        case admitted
        /// `first` is set on the first refusal after admitted lookups (so it is logged once).
        case refused(retryAfterSeconds: Int, first: Bool)
    }

    public let limits: Limits
    private let state = NIOLockedValueBox([Int64: Budget]())

    public init(limits: Limits) {
        precondition(limits.problem() == nil, "bad lookup limits: \(limits.problem()!)")
        self.limits = limits
    }

    /// Takes one lookup from the token's budget if there is one left.
    public func admit(tokenID: Int64, now: ContinuousClock.Instant = .now) -> Verdict {
        let window = Duration.seconds(limits.windowSeconds)
        return state.withLockedValue { byToken in
            if byToken[tokenID] == nil, byToken.count >= limits.maxTrackedTokens {
                // Tokens with no lookup inside the window have nothing to remember.
                byToken = byToken.filter { now - ($0.value.times.last ?? now) < window }
                if byToken.count >= limits.maxTrackedTokens,
                    let stalest = byToken.min(by: { ($0.value.times.last ?? now) < ($1.value.times.last ?? now) })?.key
                {
                    byToken.removeValue(forKey: stalest)
                }
            }
            var budget = byToken[tokenID, default: Budget()]
            budget.times.removeAll { now - $0 >= window }
            defer { byToken[tokenID] = budget }
            if budget.times.count >= limits.maxLookups {
                let left = budget.times[budget.times.count - limits.maxLookups] + window - now
                let first = !budget.refusing
                budget.refusing = true
                return .refused(retryAfterSeconds: max(1, Int(left.components.seconds) + 1), first: first)
            }
            budget.refusing = false
            budget.times.append(now)
            return .admitted
        }
    }
}
