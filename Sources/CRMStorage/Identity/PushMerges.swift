/// The merges one push has made so far under the identity lock, so that resolving its later
/// accounts can tell who a member answers for now, and whether a member still holds only the account
/// it was made for, without asking the database after every merge. Exact only under the identity
/// lock: every merge, of this push or an operator's, takes it, so no one else moves accounts while a
/// push holds it. One push's, on one connection's thread: not shared.
final class PushMerges {
    /// Merged member → the survivor it was merged into.
    private var mergedInto: [Int64: Int64] = [:]
    /// Members a merge involved, on either side: their account count changed.
    private(set) var touched: Set<Int64> = []

    /// Notes that `merged` was merged into `survivor`.
    func record(merged: Int64, into survivor: Int64) {
        precondition(merged != survivor && mergedInto[merged] == nil, "member \(merged) merged twice in one push")
        mergedInto[merged] = survivor
        touched.insert(merged)
        touched.insert(survivor)
    }

    /// The member that answers for `member` now, given that `member` was live when the push took the lock.
    func live(_ member: Int64) -> Int64 {
        var current = member
        while let next = mergedInto[current] { current = next }
        return current
    }
}
