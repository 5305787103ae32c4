import CRMDomain
import CRMProtocol

/// `session.hello`: authenticates the connection with a bearer token.
enum SessionMethods {
    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec("session.hello", access: .open) { call in
                // A hello replaces the session whatever its outcome: one that fails leaves none.
                call.session = nil
                try call.params.allowOnly(["token", "client"])
                let token = try call.params.string("token", maxLength: AccessToken.maxLength)
                let client = try call.params.optionalString("client", maxLength: 100) ?? "unknown"
                try refuseOverLimit(call, context: context)
                guard AccessToken.isWellFormed(token), let identity = try await context.tokens.authenticate(token: token) else {
                    recordFailure(call, context: context)
                    throw RPCError.unauthenticated("the token is unknown or revoked", reason: "invalid_token")
                }
                call.session = Session(identity: identity, client: client, verifiedAt: ContinuousClock.now)
                context.logger.info("session opened", metadata: [
                    "request": "\(call.requestID)", "token": "\(identity.tokenID)", "role": "\(identity.role.rawValue)",
                    "shop": "\(identity.shop ?? "-")", "client": "\(client)", "peer": "\(call.peer)",
                ])
                return [
                    "server": .string("crmd/\(ServerContext.version)"),
                    "protocol": .int(ServerContext.protocolVersion),
                    "role": .string(identity.role.rawValue),
                    "shop": identity.shop.map(JSONValue.string) ?? .null,
                ]
            },
        ]
    }

    /// Refuses the hello, before the token is looked at, when its connection or address failed too often.
    private static func refuseOverLimit(_ call: CallContext, context: ServerContext) throws(RPCError) {
        guard let refusal = context.logins.refusal(connection: call.connection, host: call.peer.host) else { return }
        context.metrics.security.count(\.refusedLogins)
        let limits = context.logins.limits
        var error: RPCError
        if let seconds = refusal.retryAfterSeconds {
            error = .overloaded("\(limits.maxFailuresPerAddress) failed logins from \(call.peer.host) within \(limits.windowSeconds) s; try again in \(seconds) s",
                                reason: "too_many_failed_logins")
            error.extra["retry_after_seconds"] = .int(Int64(seconds))
        } else {
            error = .overloaded("this connection made \(limits.maxFailuresPerConnection) failed logins; reconnect to try again", reason: "too_many_failed_logins")
        }
        error.extra["scope"] = .string(refusal.scope.rawValue)
        throw error
    }

    /// Counts and logs a failed hello (with the client's address), and says when it reached a limit.
    private static func recordFailure(_ call: CallContext, context: ServerContext) {
        let failure = context.logins.recordFailure(connection: call.connection, host: call.peer.host)
        context.metrics.security.count(\.failedLogins)
        context.logger.warning("failed login", metadata: [
            "request": "\(call.requestID)", "peer": "\(call.peer)",
            "failures_on_connection": "\(failure.connectionFailures)", "failures_from_address": "\(failure.addressFailures)",
        ])
        if let scope = failure.reached {
            let limits = context.logins.limits
            context.logger.warning("failed logins over the limit; refusing session.hello", metadata: [
                "peer": "\(call.peer)", "scope": "\(scope.rawValue)",
                "for": "\(scope == .connection ? "the rest of the connection" : "\(limits.windowSeconds) s")",
            ])
        }
    }
}
