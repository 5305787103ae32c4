import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// `crm-bench checkout`: `member.benefits` with a cart (the checkout's call on every sale) against
/// `member.get` for the same random members, in the same run, over several connection counts.
struct CheckoutBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkout",
        abstract: "member.benefits with a cart against member.get, random members, over several connection counts.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Member ids are drawn from 1...N (loaded by scripts/bench checkout).") var members = 1_000_000
    @Option(help: "The shop of the carts.") var shop = "sh01"
    @Option(help: "Connection counts to measure, comma-separated.") var connections = "1,8,64"
    @Option(help: "Requests in flight per connection (1: a till waits for each answer).") var depth = 1
    @Option(help: "Seconds to measure each method at each connection count.") var seconds = 5.0

    func run() async throws {
        let counts = connections.split(separator: ",").compactMap { Int($0) }
        guard !counts.isEmpty, counts.allSatisfy({ (1...1_000).contains($0) }) else { throw ValidationError("--connections must list counts in 1...1000") }
        guard members > 0, (1...1_000).contains(depth), seconds > 0 && seconds <= 600 else {
            throw ValidationError("--members > 0, --depth 1...1000, --seconds up to 600")
        }
        guard let token = connection.resolvedToken else { throw ValidationError("no token: pass --token or set CRM_TOKEN") }
        let (host, port) = try connection.address()
        let shop = self.shop, members = self.members
        for count in counts {
            var clients: [RPCClient] = []
            for _ in 0..<count {
                let c = try await RPCClient.connect(host: host, port: port)
                _ = try await c.call("session.hello", ["token": .string(token), "client": "crm-bench/0.1"])
                clients.append(c)
            }
            let benefits = try await measure(clients) { c in
                // A cart of ¥50-¥500 in the shop, by a random member.
                let cart: JSONValue = ["shop": .string(shop), "channel": "mobile", "amount": .string("\(Int.random(in: 50...500)).00")]
                _ = try await c.call(RPC.Benefit.Member.name, ["member_id": .string(String(Int.random(in: 1...members))), "cart": cart])
            }
            let get = try await measure(clients) { c in
                _ = try await c.call(RPC.Member.Get.name, ["member_id": .string(String(Int.random(in: 1...members)))])
            }
            for c in clients { await c.close() }
            print(
                "connections=\(count) depth=\(depth) member.benefits+cart: \(benefits.text) | member.get: \(get.text) | ratio "
                    + String(format: "%.2f", benefits.perSecond / max(get.perSecond, 1)))
        }
    }

    /// Calls `body` on every connection, `depth` at a time, for `seconds`; replies are not decoded
    /// into types, so the load generator's work stays small.
    func measure(_ clients: [RPCClient], _ body: @escaping @Sendable (RPCClient) async throws -> Void) async throws -> ClosedLoop.Figures {
        try await ClosedLoop.run(clients, depth: depth, seconds: seconds, body)
    }
}
