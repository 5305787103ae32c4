import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// `crm-bench coupon-issue`: issues a template to a saved segment through crmd (`coupon.issue`
/// batch after batch until done) and times it; `scripts/bench coupons` sets up the segment and
/// times a COPY of the same rows against it.
struct CouponIssue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coupon-issue", abstract: "Issue a coupon template to a saved segment through crmd and time it, batch by batch.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Template name.") var template: String
    @Option(help: "Saved segment name.") var segment: String
    @Option(help: "Members per batch (1-10000).") var batch = 5_000
    @Option(help: "Idempotency key of the run (default: a new one).") var key: String?
    @Flag(help: "Print the result as one JSON object.") var json = false

    func run() async throws {
        guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be 1...10000") }
        let params = RPC.Coupon.Issue.Params(
            template: template, segment: segment, idempotencyKey: key ?? "bench-" + String(UInt64.random(in: 1...UInt64.max), radix: 36), limit: batch)
        try await runClientCommand("crm-bench") {
            try await connection.withClient(client: "crm-bench/" + RPC.productVersion) { client in
                var latencies: [Double] = []
                let start = ContinuousClock.now
                var r: RPC.Coupon.Issue.Result
                repeat {
                    let t0 = ContinuousClock.now
                    r = try await client.call(RPC.Coupon.Issue.self, params)
                    latencies.append(Self.milliseconds(ContinuousClock.now - t0))
                } while !r.done
                let seconds = Self.milliseconds(ContinuousClock.now - start) / 1000
                // The first call takes the segment's snapshot as well as a batch: shown apart.
                let first = latencies[0]
                let rest = latencies.dropFirst().sorted()
                func pct(_ p: Double) -> Double { rest.isEmpty ? 0 : rest[min(rest.count - 1, Int(Double(rest.count) * p))] }
                let result: JSONObject = [
                    "run_id": .int(r.runID), "members": .int(r.members), "issued": .int(r.issued), "skipped": .int(r.skipped),
                    "seconds": .double((seconds * 100).rounded() / 100), "coupons_per_second": .int(Int64(Double(r.issued) / max(seconds, 0.001))),
                    "batches": .int(Int64(latencies.count)), "first_batch_ms": .int(Int64(first)), "batch_p50_ms": .int(Int64(pct(0.5))),
                    "batch_p99_ms": .int(Int64(pct(0.99))),
                ]
                if json { return printJSON(.object(result)) }
                print(
                    "coupon issue: \(r.issued) coupons to \(r.members) members (\(r.skipped) skipped) in \(result["seconds"]!.cellText) s = "
                        + "\(result["coupons_per_second"]!.cellText) coupons/s; run \(r.runID), \(latencies.count) batches of \(batch): "
                        + "first (with the snapshot) \(Int64(first)) ms, then p50 \(Int64(pct(0.5))) ms, p99 \(Int64(pct(0.99))) ms")
            }
        }
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
