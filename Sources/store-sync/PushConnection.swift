import CRMClient
import CRMProtocol
import Synchronization

/// A batch on its way to the acknowledger: the call that pushed its events (none when it had no
/// events, or in a dry run), and what is recorded once that call is answered.
struct SentPush: Sendable {
    let call: RPCClient.PendingCall?
    let places: [SourcePlace]
    let ids: [JSONValue]
    let positions: [String: Checkpoint.Position]
    let unreadable: [Refusal]
}

/// The connection one pass pushes on (none in a dry run). Closed once, and the close is awaited:
/// calls still unanswered then fail at once, which is how a pass that failed stops waiting.
final class PushConnection: Sendable {
    private let client: RPCClient?
    private let shop: String
    private let closed = Atomic<Bool>(false)

    init(client: RPCClient?, shop: String) {
        self.client = client
        self.shop = shop
    }

    /// Starts the batch's push without waiting for its answer; pushes are answered in the order sent.
    func send(_ batch: Batch) throws -> SentPush {
        var call: RPCClient.PendingCall? = nil
        if let client, !batch.events.isEmpty {
            call = try SyncPushCall.start(client, shop: shop, events: batch.events)
        }
        return SentPush(
            call: call, places: batch.places, ids: batch.events.map { $0["id"] ?? .null },
            positions: batch.positions, unreadable: batch.unreadable)
    }

    func close() async {
        guard let client, !closed.exchange(true, ordering: .relaxed) else { return }
        await client.close()
    }
}
