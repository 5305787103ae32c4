/// Request latencies as `crmd_request_duration_seconds` holds them (cumulative buckets per method,
/// with `crmd_request_duration_max_seconds` beside them), read back for `server.stats`. Its
/// percentiles are estimated the way Prometheus's `histogram_quantile` does: linearly within the
/// bucket the rank falls in, and never above the slowest request seen.
struct LatencyDistribution: Sendable {
    /// Bucket upper edges from 25 µs to a minute, 1-2.5-5 a decade: about twenty series per method
    /// is what a Prometheus server takes comfortably, and a bucket is at most 2.5 times its lower edge.
    static let bounds: [Duration] = [
        25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000,
    ].map { .microseconds($0) }

    /// Requests at or below each upper edge (seconds), ascending; the last edge is infinite.
    private(set) var cumulative: [(upperSeconds: Double, count: Double)] = []
    private(set) var count: Double = 0
    private(set) var maxSeconds: Double = 0

    /// The requests of `method`, or of all methods together when it is nil.
    init(_ samples: PrometheusSamples, method: String?) {
        func mine(_ s: PrometheusSamples.Sample) -> Bool { method == nil || s.labels["method"] == method }
        var byEdge: [Double: Double] = [:]
        for s in samples.series(MetricName.requestDuration + "_bucket") where mine(s) {
            guard let edge = s.labels["le"].flatMap({ $0 == "+Inf" ? .infinity : Double($0) }) else { continue }
            byEdge[edge, default: 0] += s.value
        }
        cumulative = byEdge.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        count = samples.series(MetricName.requestDuration + "_count").filter(mine).reduce(0) { $0 + $1.value }
        maxSeconds = samples.series(MetricName.requestDurationMax).filter(mine).map(\.value).max() ?? 0
    }

    /// The latency below which `fraction` of the requests fell, in seconds (0 with no requests).
    func percentile(_ fraction: Double) -> Double {
        precondition(fraction > 0 && fraction <= 1, "percentile fraction out of range")
        guard count > 0 else { return 0 }
        let rank = fraction * count
        var lower = (upperSeconds: 0.0, count: 0.0)
        for bucket in cumulative {
            if bucket.count >= rank {
                // Past the last finite edge nothing is known but the slowest request.
                guard bucket.upperSeconds.isFinite else { return maxSeconds }
                let share = bucket.count > lower.count ? (rank - lower.count) / (bucket.count - lower.count) : 1
                return min(lower.upperSeconds + (bucket.upperSeconds - lower.upperSeconds) * share, maxSeconds)
            }
            lower = bucket
        }
        return maxSeconds
    }
}
