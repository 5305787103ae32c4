/// A result that crmd may compute on a read replica (`crmd serve --replica-url`): reports, segment
/// previews and exports, which tolerate data a few seconds old. Such a result says how far behind
/// the replica was, so that a reader can tell a fresh figure from a stale one.
public protocol ReplicaServed: RPCObject {
    /// `now() - pg_last_xact_replay_timestamp()` on the replica when the result was read, 0 when
    /// it had replayed everything it received; nil (absent on the wire) when the primary served it.
    var replicaLagSeconds: Double? { get set }
}
