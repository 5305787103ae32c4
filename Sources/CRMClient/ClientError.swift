import CRMProtocol

/// Why a call got no answer from the server (as opposed to an error answer, which is an `RPCError`).
public enum ClientError: Error, Sendable, CustomStringConvertible {
    /// The server could not be reached.
    case connectFailed(String)
    /// The connection closed before the answer arrived; the request may or may not have run.
    case disconnected
    /// The server sent something that is not a JSON-RPC response.
    case badResponse(String)
    /// No answer within the time allowed.
    case timedOut

    public var description: String {
        switch self {
        case .connectFailed(let why): return "cannot connect: \(why)"
        case .disconnected: return "the connection closed before the server answered"
        case .badResponse(let why): return "unreadable answer from the server: \(why)"
        case .timedOut: return "the server did not answer in time"
        }
    }

    /// Whether trying again (with backoff) may help.
    public var isRetryable: Bool { true }
}
