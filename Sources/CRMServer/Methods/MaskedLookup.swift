import CRMProtocol

/// Member lookups by roles that see personal data masked (the analyst). Masking alone does not
/// protect a value that can be searched for piece by piece, so for these roles each lookup takes
/// one from the token's budget (`LookupLimiter`) and leaves an audit entry, found or not; the
/// searches themselves match whole values only (see `member.find`, and `segment.preview`, which
/// refuses their own filters on the address).
enum MaskedLookup {
    /// Runs `body`, a lookup of members by `kind` for method `action`; for masked roles within the budget, and audited.
    static func run<T: Sendable>(
        _ call: CallContext, context: ServerContext, action: String, kind: String,
        members: (T) -> [Int64], _ body: () async throws -> T
    ) async throws -> T {
        guard MemberMethods.isMasked(call), let identity = call.session?.identity else { return try await body() }
        if case .refused(let retryAfter, let first) = context.lookups.admit(tokenID: identity.tokenID) {
            context.metrics.security.count(\.refusedLookups)
            if first {
                context.logger.warning(
                    "member lookups over the limit; refusing",
                    metadata: [
                        "request": "\(call.requestID)", "token": "\(identity.tokenID)", "peer": "\(call.peer)",
                        "limit": "\(context.lookups.limits.maxLookups) per \(context.lookups.limits.windowSeconds) s",
                    ])
            }
            var error = RPCError.overloaded(
                "more than \(context.lookups.limits.maxLookups) member lookups within \(context.lookups.limits.windowSeconds) s; try again in \(retryAfter) s",
                reason: .tooManyLookups)
            error.extra["retry_after_seconds"] = .int(Int64(retryAfter))
            throw error
        }
        context.metrics.security.count(\.maskedLookups)
        let result: T
        do {
            result = try await body()
        } catch {
            try await context.lookupAudit.record(tokenID: identity.tokenID, action: action, kind: kind, members: [])
            throw error
        }
        try await context.lookupAudit.record(tokenID: identity.tokenID, action: action, kind: kind, members: members(result))
        return result
    }
}
