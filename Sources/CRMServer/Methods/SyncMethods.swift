import CRMDomain
import CRMProtocol
import CRMStorage

/// `sync.push`: a shop's agent pushes a batch of events.
enum SyncMethods {
    typealias Push = RPC.Sync.Push

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec(Push.self, access: .push, scope: .shop("shop"), screenedLater: ["events"]) { p, call in
                if let session = call.session, session.identity.role == .agent, session.identity.shop != p.shop {
                    throw RPCError.forbidden("this agent token pushes for shop \(session.identity.shop ?? "-") only", reason: .wrongShop)
                }
                // `--max-events` is the server's setting, not the contract's: checked here.
                let limit = context.configuration.maxEventsPerPush
                guard p.events.count <= limit else {
                    throw RPCError.invalidParams("a push holds at most \(limit) events, not \(p.events.count)", field: "events", reason: .batchTooLarge)
                }
                let policy = try await context.identityPolicy()
                let outcomes = try await context.ingest.push(
                    shopCode: p.shop, events: EventParser.parse(p.events), policy: policy,
                    loyalty: try await context.loyaltyPolicy())
                precondition(outcomes.count == p.events.count, "one outcome per event")
                var counts = ["applied": 0, "duplicate": 0, "rejected": 0]
                for o in outcomes { counts[o.status.rawValue, default: 0] += 1 }
                context.logger.info(
                    "events pushed",
                    metadata: [
                        "request": "\(call.requestID)", "shop": "\(p.shop)", "events": "\(p.events.count)",
                        "applied": "\(counts["applied"]!)", "duplicate": "\(counts["duplicate"]!)", "rejected": "\(counts["rejected"]!)",
                    ])
                return Push.Result(results: outcomes.map(render))
            }
        ]
    }

    static func render(_ outcome: EventOutcome) -> Push.Outcome {
        Push.Outcome(
            id: outcome.eventID, status: outcome.status.rawValue, memberID: outcome.memberID.map { MemberID($0) },
            firstStatus: outcome.firstStatus?.rawValue, error: outcome.rejection.map(RPCError.init(rejection:)))
    }
}

extension RPCError {
    /// The error object of a rejected event, shaped like any JSON-RPC error.
    init(rejection r: EventRejection) {
        let code: Int
        switch r.kind {
        case .invalid: code = RPCErrorCode.invalidParams
        case .conflict: code = RPCErrorCode.conflict
        case .refused: code = RPCErrorCode.refused
        case .notFound: code = RPCErrorCode.notFound
        }
        self.init(code: code, message: r.message, reason: r.reason, field: r.field)
    }
}
