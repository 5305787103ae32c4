import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl config`: the merchant's settings (`config.get` / `config.set`) in the operator's words.
/// Each change reads the setting in force, changes what the command names, and sets it back, so
/// the rest of the setting stays as it was (a setting sent whole would reset what it leaves out).
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show and change settings: points expiry, RFM bands, lifecycle, pyramid, tag mappings, blocked identity keys.",
        discussion: "Changes need an admin token and are audited. `crmctl config show --json` prints every setting as the server holds it.",
        subcommands: [Show.self, Expiry.self, RFM.self, Lifecycle.self, Pyramid.self, TagMap.self, Block.self])

    /// The settings `config show` reads, in the order it shows them.
    static let names = ["points", "segments", "tags", "identity"]

    /// Reads setting `name`, lets `change` edit it, sets it back; prints it as the server kept it.
    static func update(_ options: CommonOptions, _ name: String, _ change: @escaping (inout JSONObject) throws -> Void) async throws {
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: CRMCtl.clientName) { client in
                var value = try await client.call(RPC.Config.Get.self, .init(name: name)).value.objectValue ?? JSONObject()
                try change(&value)
                let saved = try await client.call(RPC.Config.Set.self, .init(name: name, value: .object(value)))
                if options.json { return printJSON(saved.value) }
                ConfigText.print(name, saved.value)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show every setting in force (defaults where never set).")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    var all = JSONObject()
                    for name in ConfigCommand.names { all[name] = try await client.call(RPC.Config.Get.self, .init(name: name)).value }
                    if options.json { return printJSON(.object(all)) }
                    for name in ConfigCommand.names {
                        ConfigText.print(name, all[name] ?? .null)
                        print("")
                    }
                }
            }
        }
    }

    struct Expiry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set when points expire.",
            discussion: """
                rolling: each earning expires --months later (12), --round none, month-end or year-end. \
                yearly-clearing: once a year, --on MM-DD (12-31), a --share of unused points (30%) is cleared.
                """)
        @OptionGroup var options: CommonOptions
        @Argument(help: "rolling or yearly-clearing.") var policy: String
        @Option(help: "rolling: months after earning, 1-240.") var months: Int?
        @Option(help: "rolling: none, month-end or year-end.") var round: String?
        @Option(help: ArgumentHelp("yearly-clearing: the day, MM-DD.", valueName: "MM-DD")) var on: String?
        @Option(help: ArgumentHelp("yearly-clearing: the share of unused points cleared, 1-100 (30 or 30%).", valueName: "percent")) var share: String?

        func validate() throws { _ = try expiry() }

        /// The `expiry` object this command sets.
        func expiry() throws -> JSONValue {
            switch policy {
            case "rolling":
                guard on == nil, share == nil else { throw ValidationError("--on and --share are for yearly-clearing") }
                let m = months ?? 12
                guard (1...240).contains(m) else { throw ValidationError("--months must be 1 to 240") }
                let roundName = round ?? "none"
                guard ["none", "month-end", "year-end"].contains(roundName) else { throw ValidationError("--round must be none, month-end or year-end") }
                return ["policy": "rolling", "months": .int(m), "round": .string(roundName.replacingOccurrences(of: "-", with: "_"))]
            case "yearly-clearing":
                guard months == nil, round == nil else { throw ValidationError("--months and --round are for rolling") }
                let day = try ConfigWords.monthDay(on ?? "12-31")
                let percent = try ConfigWords.percent(share ?? "30", flag: "--share")
                return ["policy": "yearly_clearing", "month": .int(day.month), "day": .int(day.day), "share_percent": .int(percent)]
            default:
                throw ValidationError("the policy is rolling or yearly-clearing, not \(policy)")
            }
        }

        func run() async throws {
            let expiry = try expiry()
            try await ConfigCommand.update(options, "points") { $0["expiry"] = expiry }
        }
    }

    struct RFM: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rfm", abstract: "Set the RFM bands and window (options left out keep their values).",
            discussion: "Example: crmctl config rfm --recency 30,90,180,365 --frequency 1,2,3 --monetary 100,200,300 --window 365")
        @OptionGroup var options: CommonOptions
        @Option(help: ArgumentHelp("R bands' upper bounds in days, rising.", valueName: "days,…")) var recency: String?
        @Option(help: ArgumentHelp("Purchases that start each F band, rising from 1.", valueName: "n,…")) var frequency: String?
        @Option(help: ArgumentHelp("M bands' upper bounds in yuan, rising.", valueName: "yuan,…")) var monetary: String?
        @Option(help: ArgumentHelp("The window F and M count purchases in: 365 or 365d.", valueName: "days")) var window: String?

        func validate() throws {
            guard recency != nil || frequency != nil || monetary != nil || window != nil else {
                throw ValidationError("give at least one of --recency, --frequency, --monetary, --window")
            }
            _ = try changes()
        }

        func changes() throws -> JSONObject {
            var rfm = JSONObject()
            if let recency { rfm["recency_days"] = .array(try ConfigWords.risingCounts(recency, flag: "--recency", range: 1...36_500).map { .int($0) }) }
            if let frequency { rfm["frequency_min"] = .array(try ConfigWords.risingCounts(frequency, flag: "--frequency", range: 1...36_500).map { .int($0) }) }
            if let monetary { rfm["monetary"] = .array(try ConfigWords.risingAmounts(monetary, flag: "--monetary").map(JSONValue.string)) }
            if let window { rfm["window_days"] = .int(try ConfigWords.days(window, flag: "--window", range: 1...3_650)) }
            return rfm
        }

        func run() async throws {
            let changes = try changes()
            try await ConfigCommand.update(options, "segments") { value in
                var rfm = value["rfm"]?.objectValue ?? JSONObject()
                for (key, v) in changes { rfm[key] = v }
                value["rfm"] = .object(rfm)
            }
        }
    }

    struct Lifecycle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the lifecycle stages' thresholds in days, or derive them from repurchase intervals.",
            discussion: "--mode derived takes active, silent and sleeping from the merchant's own repurchase intervals; --new always applies.")
        @OptionGroup var options: CommonOptions
        @Option(help: "fixed or derived.") var mode: String?
        @Option(name: .customLong("new"), help: ArgumentHelp("New: first purchase at most this many days ago.", valueName: "days")) var newDays: String?
        @Option(name: .customLong("active"), help: ArgumentHelp("Active: last purchase at most this many days ago.", valueName: "days")) var activeDays: String?
        @Option(name: .customLong("silent"), help: ArgumentHelp("Silent: last purchase at most this many days ago.", valueName: "days")) var silentDays: String?
        @Option(name: .customLong("sleeping"), help: ArgumentHelp("Sleeping: last purchase at most this many days ago; churned beyond.", valueName: "days"))
        var sleepingDays: String?

        func validate() throws { _ = try changes() }

        func changes() throws -> JSONObject {
            var out = JSONObject()
            if let mode {
                guard ["fixed", "derived"].contains(mode) else { throw ValidationError("--mode must be fixed or derived") }
                out["mode"] = .string(mode)
            }
            for (flag, key, text) in [
                ("--new", "new_days", newDays), ("--active", "active_days", activeDays), ("--silent", "silent_days", silentDays),
                ("--sleeping", "sleeping_days", sleepingDays),
            ] {
                if let text { out[key] = .int(try ConfigWords.days(text, flag: flag, range: 1...3_650)) }
            }
            guard out.count > 0 else { throw ValidationError("give --mode or a threshold (--new, --active, --silent, --sleeping)") }
            return out
        }

        func run() async throws {
            let changes = try changes()
            try await ConfigCommand.update(options, "segments") { value in
                var lifecycle = value["lifecycle"]?.objectValue ?? JSONObject()
                for (key, v) in changes { lifecycle[key] = v }
                value["lifecycle"] = .object(lifecycle)
            }
        }
    }
}
