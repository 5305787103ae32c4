import CRMDomain
import CRMProtocol

/// `session.hello`: authenticates the connection with a bearer token.
enum SessionMethods {
    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec("session.hello", access: .open) { call in
                try call.params.allowOnly(["token", "client"])
                let token = try call.params.string("token", maxLength: AccessToken.maxLength)
                let client = try call.params.optionalString("client", maxLength: 100) ?? "unknown"
                guard AccessToken.isWellFormed(token), let identity = try await context.tokens.authenticate(token: token) else {
                    call.session = nil
                    throw RPCError.unauthenticated("the token is unknown or revoked", reason: "invalid_token")
                }
                call.session = Session(identity: identity, client: client, verifiedAt: ContinuousClock.now)
                context.logger.info("session opened", metadata: [
                    "request": "\(call.requestID)", "token": "\(identity.tokenID)", "role": "\(identity.role.rawValue)",
                    "shop": "\(identity.shop ?? "-")", "client": "\(client)",
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
}
