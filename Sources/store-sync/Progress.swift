import CRMCommandLine
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows how a push is going: on a terminal a bar with rate and time left, redrawn in place;
/// otherwise (a service, a pipe) one log line every `logInterval` seconds. The batcher tells it
/// the bytes read and the acknowledger the events acknowledged, each from its own task.
final class Progress: Sendable {
    private struct Figures {
        var done: Int64
        var total: Int64?
        var events: Int
        var rejected: Int
    }

    private struct State {
        var figures: Figures
        var updated = false
        var lastShown = Date()
        var drewBar = false
    }

    private let isTerminal: Bool
    private let logInterval: TimeInterval
    private let started = Date()
    private let startBytes: Int64
    private let startEvents: Int
    private let state: Mutex<State>

    init(startBytes: Int64, startEvents: Int, startRejected: Int, logInterval: TimeInterval = 10) {
        isTerminal = isatty(2) == 1
        self.logInterval = logInterval
        self.startBytes = startBytes
        self.startEvents = startEvents
        state = Mutex(State(figures: Figures(done: startBytes, total: nil, events: startEvents, rejected: startRejected)))
    }

    /// Reports `done` of `total` bytes read (total nil when unknown); a dry run, which has no
    /// acknowledgements, reports the events it read with them.
    func read(done: Int64, total: Int64?, events: Int? = nil) {
        update { figures in
            figures.done = done
            figures.total = total
            if let events { figures.events = events }
        }
    }

    /// Reports the events acknowledged and how many of them were rejected.
    func acknowledged(events: Int, rejected: Int) {
        update { figures in
            figures.events = events
            figures.rejected = rejected
        }
    }

    /// Draws the bar as it ends (everything read) and ends its line, so later output starts on a new one.
    func finish(complete: Bool = true) {
        state.withLock { s in
            if s.drewBar, complete, s.updated {
                s.figures.done = s.figures.total ?? s.figures.done
                show(&s, force: true)
            }
            if s.drewBar { FileHandleWriter.writeToStandardError("\n") }
            s.drewBar = false
        }
    }

    private func update(_ change: (inout Figures) -> Void) {
        state.withLock { s in
            change(&s.figures)
            s.updated = true
            show(&s, force: false)
        }
    }

    private func show(_ s: inout State, force: Bool) {
        let now = Date()
        guard force || now.timeIntervalSince(s.lastShown) >= (isTerminal ? 0.2 : logInterval) else { return }
        s.lastShown = now
        let f = s.figures
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(f.events - startEvents) / elapsed
        var eta = "?"
        var percent: Double? = nil
        if let total = f.total, total > 0 {
            percent = min(1, Double(f.done) / Double(total))
            let byteRate = Double(f.done - startBytes) / elapsed
            if byteRate > 0 { eta = Self.duration(Double(total - f.done) / byteRate) }
        }
        if isTerminal {
            let width = 30
            let filled = Int((percent ?? 0) * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let pct = percent.map { String(format: "%5.1f%%", $0 * 100) } ?? "   ?  "
            FileHandleWriter.writeToStandardError("\r\(bar) \(pct)  \(f.events) events  \(Int(rate))/s  rejected \(f.rejected)  left \(eta)   ")
            s.drewBar = true
        } else {
            let pct = percent.map { String(format: "%.1f%% ", $0 * 100) } ?? ""
            FileHandleWriter.writeToStandardError("store-sync: \(pct)\(f.events) events acknowledged, \(Int(rate))/s, \(f.rejected) rejected, \(eta) left\n")
        }
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds)
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
