import CRMClient
import CRMProtocol

/// `sync.push` as store-sync speaks it, in one place: the params it sends and what it reads of
/// the answer (docs/protocol.md).
enum SyncPushCall {
    /// What crmd said of one event of a push.
    enum Outcome: Sendable {
        case applied
        /// Seen before; `firstRejection` is the error it was rejected with the first time, if it was.
        case duplicate(firstRejection: JSONValue?)
        case rejected(JSONValue)
    }

    static func start(_ client: RPCClient, shop: String, events: [JSONValue]) throws -> RPCClient.PendingCall {
        try client.start(RPC.Sync.Push.self, .init(shop: shop, events: events))
    }

    /// The outcome of each of the `count` events sent, in their order.
    static func outcomes(of call: RPCClient.PendingCall, count: Int) async throws -> [Outcome] {
        let results = try await call.result(of: RPC.Sync.Push.self).results
        guard results.count == count else { throw SyncFailure("crmd answered \(results.count) results for \(count) events") }
        return results.map { result in
            switch result.status {
            case "applied": return .applied
            case "duplicate":
                // (JSONValue takes a nil literal as null: the optional is spelled out.)
                let firstRejection: JSONValue? = result.firstStatus == "rejected" ? .some(result.error?.json ?? .null) : .none
                return .duplicate(firstRejection: firstRejection)
            default: return .rejected(result.error?.json ?? .null)
            }
        }
    }
}
