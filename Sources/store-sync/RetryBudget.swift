import Foundation

/// How long `push` keeps retrying passes that fail with something worth retrying (crmd
/// unreachable, the connection lost, crmd saying to retry later): `--give-up-after` seconds,
/// counted again whenever crmd acknowledged more lines since the last failure. The waits between
/// attempts double from about 0.4 s up to 30 s, with jitter.
struct RetryBudget {
    private let seconds: Int
    private var until: Date
    private var attempt = 0
    private var linesAtLastFailure: Int

    init(seconds: Int, acknowledgedLines: Int) {
        self.seconds = seconds
        until = Date().addingTimeInterval(TimeInterval(seconds))
        linesAtLastFailure = acknowledgedLines
    }

    /// Notes a failure with `lines` acknowledged so far: the budget restarts when that grew.
    mutating func failed(acknowledgedLines lines: Int) {
        guard lines > linesAtLastFailure else { return }
        until = Date().addingTimeInterval(TimeInterval(seconds))
        attempt = 0
        linesAtLastFailure = lines
    }

    var isSpent: Bool { Date() >= until }

    /// The seconds to wait before the next attempt.
    mutating func nextDelay() -> Double {
        attempt += 1
        return min(30.0, 0.2 * pow(2.0, Double(min(attempt, 10)))) * Double.random(in: 0.5...1.0)
    }
}
