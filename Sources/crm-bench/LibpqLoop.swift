import CRMPostgres
import Foundation

/// The baseline of `crm-bench lookup`: the same closed loop as `ClosedLoop`, but straight through
/// libpq — one connection per thread (libpq blocks), one statement in flight on each.
enum LibpqLoop {
    /// Latencies gathered from every thread.
    private final class Samples: @unchecked Sendable {
        private let lock = NSLock()
        private var all: [Double] = []
        private(set) var failure: (any Error)?

        func add(_ part: [Double]) { lock.withLock { all += part } }
        func fail(_ error: any Error) { lock.withLock { failure = failure ?? error } }
        var sorted: [Double] { lock.withLock { all.sorted() } }
    }

    /// Opens `count` connections, calls `body` once on each (a warm-up: a prepared statement is
    /// prepared then), then on all of them at once until `seconds` have passed.
    static func run(
        _ configuration: PostgresConfiguration, connections count: Int, seconds: Double,
        _ body: @escaping @Sendable (PostgresConnection) throws -> Void
    ) throws -> ClosedLoop.Figures {
        let connections = try (0..<count).map { _ in try PostgresConnection(configuration: configuration) }
        defer { connections.forEach { $0.close() } }
        for c in connections { try body(c) }
        let samples = Samples()
        let group = DispatchGroup()
        let start = ContinuousClock.now
        let deadline = start + .milliseconds(Int64(seconds * 1000))
        for c in connections {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                var latencies: [Double] = []
                do {
                    while ContinuousClock.now < deadline {
                        let t0 = ContinuousClock.now
                        try body(c)
                        latencies.append(ClosedLoop.milliseconds(ContinuousClock.now - t0))
                    }
                } catch {
                    samples.fail(error)
                }
                samples.add(latencies)
            }
            thread.start()
        }
        group.wait()
        if let failure = samples.failure { throw failure }
        let taken = ClosedLoop.milliseconds(ContinuousClock.now - start) / 1000
        let sorted = samples.sorted
        func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        return ClosedLoop.Figures(requests: sorted.count, seconds: taken, perSecond: Double(sorted.count) / taken, p50: pct(0.5), p99: pct(0.99))
    }
}
