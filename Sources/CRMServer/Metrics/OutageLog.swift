/// Decides which failures of repeated background work are worth a log line while the database is
/// unreachable: the first (it went down), then a reminder at most once per `reminderInterval`
/// with the count so far, and one line when it answers again — instead of a warning every round.
public struct OutageLog: Sendable {
    /// What to log after a round.
    public enum Report: Sendable, Equatable {
        case wentDown
        case stillDown(failures: Int, downFor: Duration)
        case cameBack(failures: Int, downFor: Duration)
    }

    public let reminderInterval: Duration
    private var downSince: ContinuousClock.Instant? = nil
    private var lastReport: ContinuousClock.Instant? = nil
    /// Failed rounds since the database was last reachable.
    public private(set) var failures = 0

    public init(reminderInterval: Duration = .seconds(60)) {
        precondition(reminderInterval > .zero, "the reminder interval must be positive")
        self.reminderInterval = reminderInterval
    }

    public var isDown: Bool { downSince != nil }

    /// A round failed because the database could not be reached.
    public mutating func failed(at now: ContinuousClock.Instant = .now) -> Report? {
        failures += 1
        guard let since = downSince, let last = lastReport else {
            downSince = now
            lastReport = now
            return .wentDown
        }
        guard now - last >= reminderInterval else { return nil }
        lastReport = now
        return .stillDown(failures: failures, downFor: now - since)
    }

    /// A round reached the database.
    public mutating func succeeded(at now: ContinuousClock.Instant = .now) -> Report? {
        defer {
            downSince = nil
            lastReport = nil
            failures = 0
        }
        guard let since = downSince else { return nil }
        return .cameBack(failures: failures, downFor: now - since)
    }
}
