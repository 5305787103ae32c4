/// Survivors of merges whose golden records are derived once, when a run of merges ends, instead of
/// after each merge: a push or a rescan batch merges thousands of members one after another under
/// the identity lock, often into the same survivor, and nothing it does in between reads a golden
/// record (matching compares accounts). One run's, on one connection's thread: not shared.
final class PendingGolden {
    /// Members whose golden record is out of date until `MemberMerger.flushGolden`.
    var members: Set<Int64> = []
}
