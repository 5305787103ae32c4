import CRMDomain
import CRMProtocol
import CRMStorage

/// `sync.push`: a shop's agent pushes a batch of events.
enum SyncMethods {
    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec("sync.push", access: .push, screenedLater: ["events"]) { call in
                try call.params.allowOnly(["shop", "events"])
                let shop = try call.params.string("shop", maxLength: ShopCode.maxLength)
                if let session = call.session, session.identity.role == .agent, session.identity.shop != shop {
                    throw RPCError.forbidden("this agent token pushes for shop \(session.identity.shop ?? "-") only", reason: "wrong_shop")
                }
                guard case .array(let events)? = call.params.object["events"] else {
                    throw RPCError.invalidParams("events must be an array", field: "events", reason: "missing_field")
                }
                let limit = context.configuration.maxEventsPerPush
                guard events.count <= limit else {
                    throw RPCError.invalidParams("a push holds at most \(limit) events, not \(events.count)", field: "events", reason: "batch_too_large")
                }
                let policy = try await context.identityPolicy()
                let outcomes = try await context.ingest.push(shopCode: shop, events: EventParser.parse(events), policy: policy,
                                                             loyalty: try await context.loyaltyPolicy())
                precondition(outcomes.count == events.count, "one outcome per event")
                var counts = ["applied": 0, "duplicate": 0, "rejected": 0]
                for o in outcomes { counts[o.status.rawValue, default: 0] += 1 }
                context.logger.info("events pushed", metadata: [
                    "request": "\(call.requestID)", "shop": "\(shop)", "events": "\(events.count)",
                    "applied": "\(counts["applied"]!)", "duplicate": "\(counts["duplicate"]!)", "rejected": "\(counts["rejected"]!)",
                ])
                return ["results": .array(outcomes.map(render))]
            },
        ]
    }

    static func render(_ outcome: EventOutcome) -> JSONValue {
        var o: JSONObject = ["id": outcome.eventID.map(JSONValue.string) ?? .null, "status": .string(outcome.status.rawValue)]
        if let member = outcome.memberID { o["member_id"] = .string(String(member)) }
        if let first = outcome.firstStatus { o["first_status"] = .string(first.rawValue) }
        if let r = outcome.rejection { o["error"] = RPCError(rejection: r).json }
        return .object(o)
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
        self.init(code: code, message: r.message, reason: ErrorReason(rawValue: r.reason), field: r.field)
    }
}
