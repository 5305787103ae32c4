import CRMCommandLine
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows how an expiry run is going: on a terminal one line redrawn in place after every batch;
/// otherwise (a timer, cron, a pipe) one log line every `logInterval` seconds.
final class ExpiryProgress {
    private let isTerminal: Bool
    private let logInterval: TimeInterval
    private let started = Date()
    private var lastLogged = Date()
    private var drewLine = false

    init(logInterval: TimeInterval = 10) {
        isTerminal = isatty(2) == 1
        self.logInterval = logInterval
    }

    func update(_ totals: ExpiryTotals, runID: String?) {
        let now = Date()
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Int((Double(totals.members) / elapsed).rounded())
        if isTerminal {
            FileHandleWriter.writeToStandardError(
                "\rbatches \(totals.batches)  members \(totals.members)  lots \(totals.lots)  points \(totals.points)  \(rate) members/s  \(Self.duration(elapsed))   "
            )
            drewLine = true
        } else if now.timeIntervalSince(lastLogged) >= logInterval {
            lastLogged = now
            log(
                "\(totals.batchesText), \(totals.members) members, \(totals.lots) lots, \(totals.points) points expired, \(rate) members/s\(runID.map { " (run \($0))" } ?? "")"
            )
        }
    }

    /// Ends the redrawn line, so what is printed next starts on a line of its own.
    func finish() {
        if drewLine { FileHandleWriter.writeToStandardError("\n") }
        drewLine = false
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let s = Int(seconds)
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
