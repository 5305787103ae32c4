import CRMClient
import CRMProtocol

/// `sync.push` as store-sync speaks it, in one place: the params it sends and what it reads of
/// the answer (docs/protocol.md).
enum SyncPushCall {
    static let method = "sync.push"

    /// What crmd said of one event of a push.
    enum Outcome: Sendable {
        case applied
        /// Seen before; `firstRejection` is the error it was rejected with the first time, if it was.
        case duplicate(firstRejection: JSONValue?)
        case rejected(JSONValue)
    }

    static func params(shop: String, events: [JSONValue]) -> JSONValue {
        ["shop": .string(shop), "events": .array(events)]
    }

    /// The outcome of each of the `count` events sent, in their order.
    static func outcomes(of call: RPCClient.PendingCall, count: Int) async throws -> [Outcome] {
        let results = try await call.result()["results"]?.arrayValue ?? []
        guard results.count == count else { throw SyncFailure("crmd answered \(results.count) results for \(count) events") }
        return results.map { result in
            switch result["status"]?.stringValue {
            case "applied": return .applied
            case "duplicate":
                // (JSONValue takes a nil literal as null: the optional is spelled out.)
                let firstRejection: JSONValue? = result["first_status"] == "rejected" ? .some(result["error"] ?? .null) : .none
                return .duplicate(firstRejection: firstRejection)
            default: return .rejected(result["error"] ?? .null)
            }
        }
    }
}
