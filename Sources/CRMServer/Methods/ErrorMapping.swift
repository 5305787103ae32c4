import CRMPostgres
import CRMProtocol
import CRMStorage

extension RPCError {
    /// The error a client is told for anything a method threw. Unexpected errors become an
    /// internal error whose message hides details (they go to the log instead).
    static func from(_ error: any Error) -> RPCError {
        switch error {
        case let rpc as RPCError:
            return rpc
        case let storage as StorageError:
            switch storage {
            case .conflict(let reason, let message): return .conflict(message, reason: reason)
            case .notFound(let reason, let message): return .notFound(message, reason: reason)
            case .invalid(let field, let reason, let message): return .invalidParams(message, field: field, reason: reason)
            case .refused(let reason, let message): return .refused(message, reason: reason)
            }
        case let rejection as EventRejection:
            return RPCError(rejection: rejection)
        case let pg as PostgresError:
            if pg.kind == .poolExhausted {
                return .overloaded("the server is busy: \(pg.message)", reason: .poolExhausted)
            }
            if pg.kind == .cancelled {
                return .unavailable("the server is shutting down: the request was cancelled and its open transaction rolled back", reason: .shuttingDown)
            }
            if pg.kind == .poolClosed {
                return .unavailable("the server is shutting down", reason: .shuttingDown)
            }
            if pg.isReadOnlyServer {
                return .unavailable(
                    "the database is read-only (a standby, or a primary being switched over); retry: the next connection looks for the primary")
            }
            if pg.isConnectionFailure {
                return .unavailable("the database cannot be reached", reason: .databaseUnavailable)
            }
            if pg.kind == .timeout {
                var e = RPCError.internalError("the statement ran longer than the statement timeout", reason: .statementTimeout)
                e.retryable = true
                return e
            }
            if pg.isTransient {
                var e = RPCError.internalError("the transaction conflicted with another; retry", reason: .serializationFailure)
                e.retryable = true
                return e
            }
            return .internalError()
        default:
            return .internalError()
        }
    }
}
