/// Everything that can go wrong talking to PostgreSQL, with the server's SQLSTATE when it gave one
/// (in the manner of postgres-nio's `PSQLError`: one type, a kind to switch on, details kept).
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What failed, coarsely: enough for a caller to decide whether to retry.
    public enum Kind: Sendable, Equatable {
        /// The connection could not be made or was lost; the statement's fate may be unknown.
        case connection
        /// The server rejected the statement (see `sqlState`).
        case server
        /// The statement ran longer than the statement timeout (SQLSTATE 57014).
        case timeout
        /// A row could not be decoded into the requested Swift type.
        case decoding
        /// The pool is closed or has no capacity left (too many waiters, or waited too long).
        case poolExhausted
        case poolClosed
        /// The caller's task was cancelled (a shutdown past its grace period): the statement was
        /// stopped on the server, or never started, and the transaction rolled back.
        case cancelled
    }

    public var kind: Kind
    public var message: String
    /// Five-character SQLSTATE, such as `23505` for a unique violation.
    public var sqlState: String?
    public var detail: String?
    public var constraint: String?

    public init(kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil, constraint: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.constraint = constraint
    }

    public var description: String {
        var text = message
        if let sqlState { text = "[\(sqlState)] " + text }
        if let detail { text += " (\(detail))" }
        return text
    }

    /// True for SQLSTATE 23505.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// True for serialization failures and deadlocks, after which the whole transaction may be retried.
    public var isTransient: Bool { sqlState == "40001" || sqlState == "40P01" }
    /// True for SQLSTATE 25006: a write reached a server that takes none (a standby, or a primary
    /// being demoted). The connection is discarded, so that the next one finds the primary among
    /// the hosts of a multi-host URL (`target_session_attrs=read-write`).
    public var isReadOnlyServer: Bool { sqlState == "25006" }
    /// True when the database could not be reached or went away.
    public var isConnectionFailure: Bool {
        kind == .connection || (sqlState?.hasPrefix("08") ?? false) || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }
}
