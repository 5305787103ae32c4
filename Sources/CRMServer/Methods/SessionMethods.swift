import CRMDomain
import CRMProtocol

/// `session.hello`: authenticates the connection with a bearer token.
enum SessionMethods {
    typealias Hello = RPC.Session.Hello

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            // Not `MethodSpec(Hello.self)`: the session ends before the params are read, so a
            // malformed hello ends it too.
            MethodSpec(Hello.name, access: .open, scope: .everyone) { call in
                call.session = nil
                let p = try JSONValueDecoder().decode(Hello.Params.self, from: .object(call.params.object))
                return try JSONValueEncoder().encode(try await hello(p, &call, context))
            }
        ]
    }

    /// Checks the token and opens the session.
    private static func hello(_ p: Hello.Params, _ call: inout CallContext, _ context: ServerContext) async throws -> Hello.Result {
        let client = p.client ?? "unknown"
        try refuseOverLimit(call, context: context)
        guard AccessToken.isWellFormed(p.token), let identity = try await context.tokens.authenticate(token: p.token) else {
            recordFailure(call, context: context)
            throw RPCError.unauthenticated("the token is unknown or revoked", reason: .invalidToken)
        }
        call.session = Session(identity: identity, client: client, verifiedAt: ContinuousClock.now)
        context.logger.info(
            "session opened",
            metadata: [
                "request": "\(call.requestID)", "token": "\(identity.tokenID)", "role": "\(identity.role.rawValue)",
                "shop": "\(identity.shop ?? (identity.isShopScoped ? identity.shops.joined(separator: ",") : "-"))", "client": "\(client)", "peer": "\(call.peer)",
            ])
        return Hello.Result(
            server: "crmd/\(ServerContext.version)", protocol: Int64(ServerContext.protocolVersion),
            role: identity.role.rawValue, shop: identity.shop, shops: identity.isShopScoped ? identity.shops : nil)
    }

    /// Refuses the hello, before the token is looked at, when its connection or address failed too often.
    private static func refuseOverLimit(_ call: CallContext, context: ServerContext) throws(RPCError) {
        guard let refusal = context.logins.refusal(connection: call.connection, host: call.peer.host) else { return }
        context.metrics.security.count(\.refusedLogins)
        let limits = context.logins.limits
        var error: RPCError
        if let seconds = refusal.retryAfterSeconds {
            error = .overloaded(
                "\(limits.maxFailuresPerAddress) failed logins from \(call.peer.host) within \(limits.windowSeconds) s; try again in \(seconds) s",
                reason: .tooManyFailedLogins)
            error.extra["retry_after_seconds"] = .int(Int64(seconds))
        } else {
            error = .overloaded("this connection made \(limits.maxFailuresPerConnection) failed logins; reconnect to try again", reason: .tooManyFailedLogins)
        }
        error.extra["scope"] = .string(refusal.scope.rawValue)
        throw error
    }

    /// Counts and logs a failed hello (with the client's address), and says when it reached a limit.
    private static func recordFailure(_ call: CallContext, context: ServerContext) {
        let failure = context.logins.recordFailure(connection: call.connection, host: call.peer.host)
        context.metrics.security.count(\.failedLogins)
        context.logger.warning(
            "failed login",
            metadata: [
                "request": "\(call.requestID)", "peer": "\(call.peer)",
                "failures_on_connection": "\(failure.connectionFailures)", "failures_from_address": "\(failure.addressFailures)",
            ])
        if let scope = failure.reached {
            let limits = context.logins.limits
            context.logger.warning(
                "failed logins over the limit; refusing session.hello",
                metadata: [
                    "peer": "\(call.peer)", "scope": "\(scope.rawValue)",
                    "for": "\(scope == .connection ? "the rest of the connection" : "\(limits.windowSeconds) s")",
                ])
        }
    }
}
