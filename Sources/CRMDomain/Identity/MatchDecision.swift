/// What ingest does with a scored candidate pair, from the merchant's thresholds (probabilities)
/// and the one guard the fields themselves decide: two records with different phones are never
/// merged by matching, however likely (their probability is held just below auto-merge, so they
/// wait for an operator). The other guards (separations, blocked and shared keys) are the
/// database's to check.
public enum MatchDecision: Sendable, Equatable {
    case merge
    case review
    case none

    /// How far below the auto-merge threshold a held-back pair is put.
    public static let holdMargin = 1e-6

    /// The decision for `score` of records `a` and `b`, and the score as it is recorded (held back).
    public static func decide(_ score: PairScore, _ a: PersonFields, _ b: PersonFields, policy: IdentityPolicy) -> (MatchDecision, PairScore) {
        var s = score
        if s.probability >= policy.autoMergeThreshold, let p = a.phone, let q = b.phone, p != q {
            s.probability = policy.autoMergeThreshold - holdMargin
            s.heldBack = "different phones"
        }
        if s.probability >= policy.autoMergeThreshold { return (.merge, s) }
        if s.probability >= policy.reviewThreshold { return (.review, s) }
        return (.none, s)
    }
}
