import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol
import Foundation

/// `crmctl identity train|rescan|model`: the match model identity resolution scores with.
struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity", abstract: "Train the match model, rescan members with it, show its parameters.",
        subcommands: [Train.self, Rescan.self, Model.self])

    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a match model from the accounts, batch after batch with progress; resumable by running it again.",
            discussion: """
                Draws random pairs of accounts, the blocked candidates of a sample of accounts and the pairs one member holds \
                by a shared phone or e-mail, then estimates the model and puts it in force. Each batch is committed with the \
                run's progress: if the command stops (interrupted, connection lost, server restarted), run it again (same \
                options, or none) and it goes on where it stopped. The same --seed on the same accounts trains the same model.
                """)
        @OptionGroup var options: CommonOptions
        @Option(help: "Seed of every random choice (default: a random one, printed).") var seed: Int64?
        @Option(help: "Random pairs of accounts to draw (100-10000000, default 200000).") var pairs: Int?
        @Option(help: "Accounts whose blocked candidates are collected (100-1000000, default 20000).") var sampledAccounts: Int?
        @Option(name: .customLong("batch"), help: "Pairs or members per batch (1-10000, default 2000).") var batch: Int = 2_000

        func validate() throws {
            guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be 1...10000") }
            if let seed, seed < 0 { throw ValidationError("--seed must be 0 or more") }
        }

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let params = RPC.Identity.Train.Params(seed: seed, pairs: pairs, sampledAccounts: sampledAccounts, limit: batch)
                    let progress = LineProgress()
                    var r = try await client.call(RPC.Identity.Train.self, params)
                    // The run's own seed: a resumed run keeps the one it started with.
                    let next = RPC.Identity.Train.Params(seed: r.seed, pairs: pairs, sampledAccounts: sampledAccounts, limit: batch)
                    while !r.finished && !StopSignal.isRequested {
                        progress.show(done: r.done, of: r.total, text: "\(r.phase): \(Train.tally(r))")
                        r = try await client.call(RPC.Identity.Train.self, next)
                    }
                    progress.finish()
                    if options.json { return try printJSON(r) }
                    guard r.finished, let version = r.modelVersion else {
                        return print("training \(r.runID) (seed \(r.seed)) stopped at \(r.phase): run the same command again to go on")
                    }
                    print("model version \(version) trained (seed \(r.seed)) from \(Train.tally(r)); in force now")
                    print("show it with: crmctl identity model; rescan members with it: crmctl identity rescan")
                }
            }
        }

        static func tally(_ r: RPC.Identity.Train.Result) -> String {
            "\(r.randomPairs) random pairs, \(r.blockedPairs) blocked pairs of \(r.sampledAccounts) accounts, \(r.knownPairs) known matches"
        }
    }

    struct Rescan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-resolve stored members with the model in force, batch after batch with progress; resumable by running it again.",
            discussion: """
                Remakes every account's blocking keys by the current rules, then matches every member with a single account \
                exactly as ingest would: merges above the auto-merge threshold, queues likely matches for review, and never \
                merges members an operator separated or unmerged. Each batch is committed with the run's progress: if the command \
                stops, run it again and it goes on where it stopped. A second rescan of unchanged data changes nothing.
                """)
        @OptionGroup var options: CommonOptions
        @Option(name: .customLong("batch"), help: "Accounts or members per batch (1-10000, default 200).") var batch: Int = 200

        func validate() throws {
            guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be 1...10000") }
        }

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let params = RPC.Identity.Rescan.Params(limit: batch)
                    let progress = LineProgress()
                    let started = Date()
                    var r = try await client.call(RPC.Identity.Rescan.self, params)
                    while !r.finished && !StopSignal.isRequested {
                        progress.show(done: r.done, of: r.total, text: "\(r.phase): \(Rescan.tally(r))")
                        r = try await client.call(RPC.Identity.Rescan.self, params)
                    }
                    progress.finish()
                    if options.json { return try printJSON(r) }
                    print("rescan \(r.runID)\(r.finished ? "" : " stopped at \(r.phase)"): \(Rescan.tally(r))\(r.finished ? "" : "; run it again to go on")")
                    print(String(format: "%.1f s", Date().timeIntervalSince(started)), to: .standardError)
                }
            }
        }

        static func tally(_ r: RPC.Identity.Rescan.Result) -> String {
            "\(r.scanned) members scanned, \(r.merged) merged, \(r.queued) queued for review, \(r.keysRefreshed) accounts' blocking keys refreshed"
        }
    }

    struct Model: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the match model in force (or --version N; 0 is the untrained one).")
        @OptionGroup var options: CommonOptions
        @Option(help: "Model version (default: the one in force).") var version: Int64?

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let m = try await client.call(RPC.Identity.ModelGet.self, .init(version: version))
                    if options.json { return try printJSON(m) }
                    print(Model.text(m))
                }
            }
        }

        static func text(_ m: RPC.Identity.ModelGet.Result) -> String {
            var lines = ["model version \(m.version)\(m.current ? " (in force)" : "")" + (m.version == 0 ? ": built in, untrained" : "")]
            if let at = m.createdAt { lines.append("trained \(at) by \(m.createdBy ?? "-"), seed \(m.seed.map(String.init) ?? "-")") }
            lines.append("prior \(m.prior) (\(Formats.rounded(m.priorBits, decimals: 2)) bits); rarest name counted at frequency \(m.termFrequencyFloor)")
            var table = TextTable(headers: ["field", "level", "m", "u", "bits"])
            for (field, f) in m.fields.entries {
                for l in f.levels {
                    let tf = (f.termFrequencyLevels ?? []).contains(l.level) ? " *" : ""
                    table.add([field, l.level + tf, String(format: "%.6f", l.m), String(format: "%.6f", l.u), Formats.rounded(l.bits, decimals: 2)])
                }
            }
            lines.append(table.render())
            lines.append("* u replaced by the name's (the address's) own frequency when it is known")
            if let pairs = m.report["random_pairs"]?.int64Value {
                let blocked = m.report["blocked_pairs"]?.int64Value ?? 0, known = m.report["known_pairs"]?.int64Value ?? 0
                lines.append("trained on \(pairs) random pairs, \(blocked) blocked pairs, \(known) known matches")
            }
            return lines.joined(separator: "\n")
        }
    }
}
