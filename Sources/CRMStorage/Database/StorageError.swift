import CRMDomain

/// A business-level outcome of a storage call that the caller reports to its user (the server
/// turns these into JSON-RPC errors). Database failures arrive as `PostgresError` instead.
public enum StorageError: Error, Sendable, Equatable {
    /// Something with that key already exists.
    case conflict(reason: ErrorReason, message: String)
    /// Nothing with that key exists.
    case notFound(reason: ErrorReason, message: String)
    /// The request is well-formed but names something unusable (a revoked token's shop, …).
    case invalid(field: String, reason: ErrorReason, message: String)
    /// A business rule refuses it (not enough points, …); nothing changed.
    case refused(reason: ErrorReason, message: String)
}
