import Logging
import Synchronization

/// Counts and logs each time a points limit stops something: an order's points cut to the limit of
/// points per order or to what the balance limit leaves, a credit refused at the balance limit, and
/// a sum of points too large to answer. Process-wide; `ServerMetrics` exposes the counts.
public enum PointsLimits {
    /// Which limit was hit.
    public enum Kind: Int, Sendable, CaseIterable {
        case pointsPerOrder, balance, outOfRange

        /// The name used in metrics, explanations and log lines.
        public var name: String {
            switch self {
            case .pointsPerOrder: "max_points_per_order"
            case .balance: "max_balance"
            case .outOfRange: "out_of_range"
            }
        }
    }

    private static let counts = Mutex<[UInt64]>(Array(repeating: 0, count: Kind.allCases.count))
    private static let logger = Logger(label: "crm.points")

    /// How often `kind` was hit since the process started.
    public static func count(_ kind: Kind) -> UInt64 { counts.withLock { $0[kind.rawValue] } }

    /// Records a hit of `kind`, with what it concerned (member, order, figures) for the log line.
    static func hit(_ kind: Kind, _ metadata: Logger.Metadata) {
        counts.withLock { $0[kind.rawValue] += 1 }
        logger.warning("points limit reached", metadata: metadata.merging(["limit": "\(kind.name)"]) { a, _ in a })
    }

    /// `a + b`, or a `points_out_of_range` refusal (counted, logged) when it does not fit an Int64:
    /// points written before the limits existed can add up to more.
    static func add(_ a: Int64, _ b: Int64, member: Int64) throws -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard overflow else { return sum }
        hit(.outOfRange, ["member": "\(member)"])
        throw StorageError.refused(
            reason: .pointsOutOfRange,
            message: "member \(member) holds more points than can be counted (over \(Int64.max)); an operator must correct the ledger")
    }
}
