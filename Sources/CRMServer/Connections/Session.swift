import CRMStorage

/// What a connection knows about its caller after `session.hello`.
public struct Session: Sendable {
    public var identity: TokenIdentity
    /// What the client called itself (`store-sync/1.0`).
    public var client: String
    /// When the token was last confirmed valid in the database.
    var verifiedAt: ContinuousClock.Instant
}

/// The state of one call as a method sees it.
public struct CallContext: Sendable {
    public let params: Params
    /// The caller's session; `session.hello` sets it.
    public var session: Session?
    /// Server-made id for logs: connection number and request sequence (`c12-r7`).
    public let requestID: String
    /// This process and connection (`<instance>/c12`): who holds a batch job's run.
    public let connection: String
    /// The client's address, as the socket says (never what the client claims).
    public let peer: ClientPeer
}
