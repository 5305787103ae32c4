import CRMClient
import Foundation

/// Load as tills and agents make it: on every connection `depth` callers, each sending its next
/// request when the last one is answered, for a fixed time; latencies of every request, and the
/// figures the benchmarks print.
enum ClosedLoop {
    /// What a run measured.
    struct Figures {
        var requests: Int
        var seconds: Double
        var perSecond: Double
        /// Milliseconds.
        var p50: Double
        var p99: Double
        var text: String { String(format: "%.0f req/s p50=%.2fms p99=%.2fms", perSecond, p50, p99) }
    }

    /// Calls `body` once on every connection (a warm-up), then from `depth` callers per connection
    /// until `seconds` have passed.
    static func run(
        _ clients: [RPCClient], depth: Int, seconds: Double, _ body: @escaping @Sendable (RPCClient) async throws -> Void
    ) async throws -> Figures {
        precondition(!clients.isEmpty && depth >= 1 && seconds > 0, "a run has connections, callers and time")
        for c in clients { try await body(c) }
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        let start = ContinuousClock.now
        let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
            for c in clients {
                for _ in 0..<depth {
                    group.addTask {
                        var latencies: [Double] = []
                        while ContinuousClock.now < deadline {
                            let t0 = ContinuousClock.now
                            try await body(c)
                            latencies.append(milliseconds(ContinuousClock.now - t0))
                        }
                        return latencies
                    }
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        let taken = milliseconds(ContinuousClock.now - start) / 1000
        let sorted = samples.sorted()
        func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        return Figures(requests: sorted.count, seconds: taken, perSecond: Double(sorted.count) / taken, p50: pct(0.5), p99: pct(0.99))
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
