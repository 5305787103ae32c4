/// A business-level outcome of a storage call that the caller reports to its user (the server
/// turns these into JSON-RPC errors). Database failures arrive as `PostgresError` instead.
public enum StorageError: Error, Sendable, Equatable {
    /// Something with that key already exists.
    case conflict(reason: String, message: String)
    /// Nothing with that key exists.
    case notFound(reason: String, message: String)
    /// The request is well-formed but names something unusable (a revoked token's shop, …).
    case invalid(field: String, reason: String, message: String)
    /// A business rule refuses it (not enough points, …); nothing changed.
    case refused(reason: String, message: String)
}
