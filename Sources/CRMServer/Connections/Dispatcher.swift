import CRMDomain
import CRMProtocol
import Logging

/// Turns one received line into at most one reply line, the way JSON-RPC 2.0 says: single
/// requests, batches (answered as one array, notifications left out, nothing at all when only
/// notifications), and the error cases. Requests run one after another, in order.
public struct Dispatcher: Sendable {
    let registry: MethodRegistry
    let context: ServerContext

    public init(registry: MethodRegistry, context: ServerContext) {
        self.registry = registry
        self.context = context
    }

    /// Handles a line; returns the reply to send, or `nil` when there is none.
    func handle(line: [UInt8], session: inout Session?, connectionID: Int, peer: ClientPeer, sequence: inout Int) async -> JSONValue? {
        switch RPCIncoming.parse(line, maxBatch: context.configuration.maxBatchEntries, maxObjectKeys: context.configuration.maxObjectKeys) {
        case .failure(let error):
            context.logger.notice("bad message", metadata: ["connection": "\(connectionID)", "reason": "\(error.reason)"])
            context.metrics.record(method: "(invalid)", microseconds: 0, errorCode: error.code)
            return RPCResponse(id: .null, error: error).json
        case .single(let entry):
            sequence += 1
            return await handle(entry: entry, session: &session, connectionID: connectionID, peer: peer, requestID: "c\(connectionID)-r\(sequence)")?.json
        case .batch(let entries):
            var replies: [JSONValue] = []
            for entry in entries {
                sequence += 1
                if let reply = await handle(entry: entry, session: &session, connectionID: connectionID, peer: peer, requestID: "c\(connectionID)-r\(sequence)")
                {
                    replies.append(reply.json)
                }
            }
            return replies.isEmpty ? nil : .array(replies)
        }
    }

    private func handle(entry: RPCEntry, session: inout Session?, connectionID: Int, peer: ClientPeer, requestID: String) async -> RPCResponse? {
        switch entry {
        case .invalid(let id, let error):
            context.metrics.record(method: "(invalid)", microseconds: 0, errorCode: error.code)
            return RPCResponse(id: id, error: error)
        case .request(let request):
            let started = ContinuousClock.now
            let outcome = await execute(request, session: &session, connectionID: connectionID, peer: peer, requestID: requestID)
            let elapsed = ContinuousClock.now - started
            let micros = UInt64(max(0, elapsed.components.seconds)) * 1_000_000 + UInt64(max(0, elapsed.components.attoseconds)) / 1_000_000_000_000
            var errorCode: Int? = nil
            if case .failure(let error) = outcome {
                errorCode = error.code
                var logger = context.logger
                logger[metadataKey: "request"] = "\(requestID)"
                logger[metadataKey: "method"] = "\(ClientText.excerpt(request.method))"
                if let shop = session?.identity.shop { logger[metadataKey: "shop"] = "\(shop)" }
                if let role = session?.identity.role { logger[metadataKey: "role"] = "\(role.rawValue)" }
                let level: Logger.Level = error.code == RPCErrorCode.internalError ? .error : .info
                logger.log(level: level, "request failed", metadata: ["code": "\(error.code)", "reason": "\(error.reason)"])
            }
            context.metrics.record(method: request.method, microseconds: micros, errorCode: errorCode)
            guard let id = request.id else { return nil }  // notifications are never answered
            switch outcome {
            case .success(let result): return RPCResponse(id: id, result: result)
            case .failure(let error): return RPCResponse(id: id, error: error)
            }
        }
    }

    private func execute(
        _ request: RPCRequest, session: inout Session?, connectionID: Int, peer: ClientPeer, requestID: String
    ) async -> Result<JSONValue, RPCError> {
        if request.method == RPC.discoverMethod {
            // The OpenRPC convention: the contract describes itself, to anyone, as it is.
            do {
                try Params(request.params).allowOnly([])
            } catch {
                return .failure(error)
            }
            return .success(registry.openRPC)
        }
        guard let spec = registry[request.method] else {
            return .failure(.methodNotFound(request.method))
        }
        if spec.access != .open {
            guard let current = session else {
                return .failure(.unauthenticated("no session: log in with a token first", reason: .noSession))
            }
            if let error = await revalidate(current, session: &session) { return .failure(error) }
            guard current.identity.role.may(spec.access) else {
                return .failure(.forbidden("the \(current.identity.role.rawValue) role may not do this", reason: .roleForbidden))
            }
        }
        let params: Params
        do {
            params = try Params(request.params, screenedLater: spec.screenedLater)
        } catch {
            return .failure(RPCError.from(error))
        }
        do {
            try await ShopScopeGate.admit(spec, params: params, session: session, context: context)
        } catch {
            return .failure(error)
        }
        var call = CallContext(
            params: params, session: session, requestID: requestID,
            connection: context.connectionName(connectionID), peer: peer)
        do {
            let result = try await spec.handler(&call)
            session = call.session
            return .success(result)
        } catch {
            // A method may end the session even as it fails: a failed session.hello does.
            session = call.session
            let rpc = RPCError.from(error)
            if rpc.code == RPCErrorCode.internalError, !(error is RPCError) {
                context.logger.error(
                    "unexpected failure",
                    metadata: ["request": "\(requestID)", "method": "\(ClientText.excerpt(request.method))", "error": "\(String(describing: error))"])
            }
            return .failure(rpc)
        }
    }

    /// Ends the session when its token was revoked here, or (checked every `tokenRecheckSeconds`) anywhere.
    private func revalidate(_ current: Session, session: inout Session?) async -> RPCError? {
        let tokenID = current.identity.tokenID
        if context.revokedTokens.withLockedValue({ $0.contains(tokenID) }) {
            session = nil
            return .unauthenticated("the token of this session was revoked", reason: .tokenRevoked)
        }
        let interval = Duration.seconds(context.configuration.tokenRecheckSeconds)
        guard ContinuousClock.now - current.verifiedAt >= interval else { return nil }
        do {
            if try await context.tokens.isActive(tokenID: tokenID) {
                session?.verifiedAt = ContinuousClock.now
                return nil
            }
            session = nil
            return .unauthenticated("the token of this session was revoked", reason: .tokenRevoked)
        } catch {
            return RPCError.from(error)
        }
    }
}
