/// Request latencies in logarithmic buckets (four per doubling, so a percentile is within ~19% of
/// the truth) from 1 µs to about 9 hours, with constant memory whatever the traffic.
struct LatencyHistogram: Sendable {
    static let bucketCount = 4 * 36
    private(set) var buckets = [UInt64](repeating: 0, count: bucketCount)
    private(set) var count: UInt64 = 0
    private(set) var sumMicroseconds: UInt64 = 0
    private(set) var maxMicroseconds: UInt64 = 0

    mutating func record(microseconds: UInt64) {
        buckets[Self.bucket(for: microseconds)] += 1
        count += 1
        sumMicroseconds &+= microseconds
        maxMicroseconds = max(maxMicroseconds, microseconds)
    }

    static func bucket(for microseconds: UInt64) -> Int {
        guard microseconds > 1 else { return 0 }
        let log2 = 63 - microseconds.leadingZeroBitCount
        // Two bits below the leading one pick the quarter within the doubling.
        let quarter = log2 >= 2 ? Int((microseconds >> UInt64(log2 - 2)) & 3) : Int((microseconds << UInt64(2 - log2)) & 3)
        return min(log2 * 4 + quarter, bucketCount - 1)
    }

    /// Upper edge of a bucket, in microseconds.
    static func upperBound(of bucket: Int) -> Double {
        let log2 = bucket / 4
        let quarter = bucket % 4
        return Double(1 << log2) * (1 + Double(quarter + 1) / 4)
    }

    /// The latency below which `fraction` of requests fell, in milliseconds (0 with no data).
    func percentile(_ fraction: Double) -> Double {
        precondition(fraction > 0 && fraction <= 1, "percentile fraction out of range")
        guard count > 0 else { return 0 }
        let rank = UInt64((Double(count) * fraction).rounded(.up))
        var seen: UInt64 = 0
        for (index, n) in buckets.enumerated() {
            seen += n
            if seen >= rank { return min(Self.upperBound(of: index), Double(maxMicroseconds)) / 1000 }
        }
        return Double(maxMicroseconds) / 1000
    }

    mutating func merge(_ other: LatencyHistogram) {
        for i in 0..<Self.bucketCount { buckets[i] += other.buckets[i] }
        count += other.count
        sumMicroseconds &+= other.sumMicroseconds
        maxMicroseconds = max(maxMicroseconds, other.maxMicroseconds)
    }
}
