import CRMCommandLine
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows how a push is going: on a terminal a bar with rate and time left, redrawn in place;
/// otherwise (a service, a pipe) one log line every `logInterval` seconds.
final class Progress {
    private let isTerminal: Bool
    private let logInterval: TimeInterval
    private let started = Date()
    private var lastShown = Date()
    private var drewBar = false
    private let startBytes: Int64
    private let startEvents: Int
    private var last: (done: Int64, total: Int64?, events: Int, rejected: Int)? = nil

    init(startBytes: Int64, startEvents: Int, logInterval: TimeInterval = 10) {
        isTerminal = isatty(2) == 1
        self.logInterval = logInterval
        self.startBytes = startBytes
        self.startEvents = startEvents
    }

    /// Reports `done` of `total` bytes read (total nil when unknown) and the events acknowledged.
    func update(done: Int64, total: Int64?, events: Int, rejected: Int, force: Bool = false) {
        last = (done, total, events, rejected)
        let now = Date()
        guard force || now.timeIntervalSince(lastShown) >= (isTerminal ? 0.2 : logInterval) else { return }
        lastShown = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(events - startEvents) / elapsed
        var eta = "?"
        var percent: Double? = nil
        if let total, total > 0 {
            percent = min(1, Double(done) / Double(total))
            let byteRate = Double(done - startBytes) / elapsed
            if byteRate > 0 { eta = Self.duration(Double(total - done) / byteRate) }
        }
        if isTerminal {
            let width = 30
            let filled = Int((percent ?? 0) * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let pct = percent.map { String(format: "%5.1f%%", $0 * 100) } ?? "   ?  "
            FileHandleWriter.writeToStandardError("\r\(bar) \(pct)  \(events) events  \(Int(rate))/s  rejected \(rejected)  left \(eta)   ")
            drewBar = true
        } else {
            let pct = percent.map { String(format: "%.1f%% ", $0 * 100) } ?? ""
            FileHandleWriter.writeToStandardError("store-sync: \(pct)\(events) events acknowledged, \(Int(rate))/s, \(rejected) rejected, \(eta) left\n")
        }
    }

    /// Draws the bar as it ends (everything read) and ends its line, so later output starts on a new one.
    func finish(complete: Bool = true) {
        if drewBar, complete, let last {
            update(done: last.total ?? last.done, total: last.total, events: last.events, rejected: last.rejected, force: true)
        }
        if drewBar { FileHandleWriter.writeToStandardError("\n") }
        drewBar = false
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds)
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
