import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation
import NIOCore

/// `crm-bench`: load generators behind `scripts/bench`.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crm-bench",
        abstract: "Benchmarks for crmd (run through scripts/bench).",
        subcommands: [
            Health.self, Generate.self, IdentityGenerate.self, IdentityExplain.self,
            CopyRows.self, RawCall.self, CheckoutBench.self, CouponIssue.self, SealedAddresses.self,
            LookupBench.self,
        ]
    )

    /// Pipelined `server.health` over N connections: requests/s and latency percentiles.
    struct Health: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pipelined server.health requests over several connections.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Connection counts to measure, comma-separated.") var connections = "1,8,64"
        @Option(help: "Requests kept in flight per connection.") var depth = 16
        @Option(help: "Seconds to measure each connection count.") var seconds = 5.0
        @Flag(help: "Print the results as one JSON array.") var json = false
        @Flag(help: "Also measure, in the same run, a fixed-reply server with the same framing (the transport ceiling).") var baseline = false

        func run() async throws {
            let counts = connections.split(separator: ",").compactMap { Int($0) }
            guard !counts.isEmpty, counts.allSatisfy({ $0 > 0 && $0 <= 1_000 }) else { throw ValidationError("--connections must list counts in 1...1000") }
            guard depth > 0 && depth <= 1_000, seconds > 0 && seconds <= 600 else { throw ValidationError("--depth 1...1000, --seconds up to 600") }
            let (host, port) = try connection.address()
            var echo: (any Channel, Int)? = nil
            if baseline { echo = try await EchoBaseline.start() }
            var results: [JSONValue] = []
            for count in counts {
                var r = try await measure(connections: count, host: host, port: port)
                if let (_, echoPort) = echo {
                    let b = try await measure(connections: count, host: "127.0.0.1", port: echoPort)
                    r["baseline_per_second"] = b["per_second"]
                    r["baseline_p50_ms"] = b["p50_ms"]
                    r["baseline_p99_ms"] = b["p99_ms"]
                    let ratio = Double(r["per_second"]!.int64Value!) / Double(max(1, b["per_second"]!.int64Value!))
                    r["ratio_to_baseline"] = .double((ratio * 100).rounded() / 100)
                }
                results.append(.object(r))
                if !json {
                    var text =
                        "connections=\(count) depth=\(depth) crmd: \(r["per_second"]!.cellText) req/s p50=\(r["p50_ms"]!.cellText)ms p99=\(r["p99_ms"]!.cellText)ms"
                    if echo != nil {
                        text +=
                            " | baseline: \(r["baseline_per_second"]!.cellText) req/s p50=\(r["baseline_p50_ms"]!.cellText)ms p99=\(r["baseline_p99_ms"]!.cellText)ms | ratio \(r["ratio_to_baseline"]!.cellText)"
                    }
                    print(text)
                }
            }
            if let (channel, _) = echo { try await channel.close() }
            if json { printJSON(.array(results)) }
        }

        func measure(connections count: Int, host: String, port: Int) async throws -> JSONObject {
            var clients: [RPCClient] = []
            for _ in 0..<count { clients.append(try await RPCClient.connect(host: host, port: port)) }
            // By name, its reply not decoded: the load generator's own work stays what it was, so
            // the figures measure crmd against the baseline.
            let f = try await ClosedLoop.run(clients, depth: depth, seconds: seconds) { c in _ = try await c.call(RPC.Server.Health.name) }
            for c in clients { await c.close() }
            func round3(_ v: Double) -> JSONValue { .double((v * 1000).rounded() / 1000) }
            return [
                "connections": .int(count), "depth": .int(depth), "requests": .int(f.requests),
                "seconds": round3(f.seconds), "per_second": .int(Int64(f.perSecond)),
                "p50_ms": round3(f.p50), "p99_ms": round3(f.p99),
            ]
        }
    }
}
