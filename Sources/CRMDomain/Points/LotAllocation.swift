/// Taking points out of lots: spending, expiry and reversals consume lots in the order given
/// (oldest expiry first, as the caller sorts them), each no further than it has.
public enum LotAllocation {
    /// A lot with points left, as the allocation sees it.
    public struct Lot: Sendable, Equatable {
        public var id: Int64
        public var remaining: Int64
        public init(id: Int64, remaining: Int64) {
            precondition(remaining >= 0, "a lot never holds fewer than zero points")
            self.id = id
            self.remaining = remaining
        }
    }

    /// Takes up to `points` from `lots` in order; returns (lot id, points taken) for each lot
    /// touched and what could not be taken.
    public static func take(_ points: Int64, from lots: [Lot]) -> (taken: [(lot: Int64, points: Int64)], shortfall: Int64) {
        precondition(points >= 0, "points to take are never negative")
        var left = points
        var taken: [(lot: Int64, points: Int64)] = []
        for lot in lots where left > 0 && lot.remaining > 0 {
            let t = min(left, lot.remaining)
            taken.append((lot.id, t))
            left -= t
        }
        precondition(left >= 0 && taken.reduce(0, { $0 + $1.points }) + left == points, "an allocation takes exactly what was asked or reports the rest")
        return (taken, left)
    }
}
