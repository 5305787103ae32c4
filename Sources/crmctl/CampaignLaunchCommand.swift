import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// `crmctl campaign launch NAME`: the launch (or the next wave, when due) batch after batch with a
/// progress bar; resumable by running it again.
struct CampaignLaunchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launch",
        abstract: "Launch a campaign (or start its next wave when due), batch after batch with progress.",
        discussion: """
            Each batch is committed with the wave's progress. If the command stops (interrupted, connection lost, server \
            restarted), run it again: it goes on where it stopped and touches nobody twice. Once a wave is done and its \
            every_days have passed, running it again starts the next wave over the members who have not responded.
            """
    )
    @OptionGroup var options: CommonOptions
    @Argument(help: "Campaign name.") var name: String
    @Option(name: .customLong("batch"), help: "Members per batch (1-10000, default 1000).") var batch: Int = 1_000

    func validate() throws {
        guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be 1...10000") }
    }

    /// Members the wave has recorded so far.
    static func seen(_ r: RPC.Campaign.Launch.Result) -> Int64 { r.touched + r.heldOut + r.noConsent + r.budget + r.refused }

    func run() async throws {
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: CRMCtl.clientName) { client in
                let params = RPC.Campaign.Launch.Params(name: name, limit: batch)
                let progress = LineProgress()
                let started = Date()
                var r = try await client.call(RPC.Campaign.Launch.self, params)
                let before = Self.seen(r)
                while !r.done && !r.finished && !StopSignal.isRequested {
                    let seen = Self.seen(r)
                    progress.show(done: seen, of: r.total, text: "wave \(r.occasion ?? 1): \(seen)/\(r.total) members, \(r.touched) touched")
                    r = try await client.call(RPC.Campaign.Launch.self, params)
                }
                progress.finish()
                if options.json { return try printJSON(r) }
                guard let wave = r.occasion else { return print("campaign \(r.name): \(r.status)") }
                var line =
                    "campaign \(r.name) wave \(wave): "
                    + CampaignCommand.tally(
                        touched: r.touched, heldOut: r.heldOut, noConsent: r.noConsent, budget: r.budget, refused: r.refused, total: r.total)
                if !r.done { line += "; stopped, run again to go on" }
                if let next = r.nextWaveAt { line += "; next wave from \(next)" }
                if r.finished { line += "; \(r.status)" }
                print(line)
                let seconds = max(Date().timeIntervalSince(started), 0.001)
                let rate = Int(Double(Self.seen(r) - before) / seconds)
                print("\(String(format: "%.1f", seconds)) s, \(rate) members/s", to: .standardError)
            }
        }
    }
}
