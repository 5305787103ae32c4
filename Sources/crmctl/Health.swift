import ArgumentParser
import CRMCommandLine
import CRMProtocol

struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ask whether the server and its database are up (no token needed).")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: "crmctl/0.1", requireToken: false) { client in
                let result = try await client.call("server.health")
                if options.json { return printJSON(result) }
                print("status    \(result["status"]?.cellText ?? "?")")
                print("database  \(result["database"]?.cellText ?? "?")")
                print("version   \(result["version"]?.cellText ?? "?")")
                if result["status"]?.stringValue != "ok" { throw ExitCode(ClientExit.unavailable) }
            }
        }
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the server's counters: connections, requests and latency by method, pool use.")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: "crmctl/0.1") { client in
                let s = try await client.call("server.stats")
                if options.json { return printJSON(s) }
                print("version \(s["version"]?.cellText ?? "?")  uptime \(s["uptime_seconds"]?.doubleValue.map { Formats.duration(seconds: $0) } ?? "?")  database \(s["database"]?.cellText ?? "?")")
                let c = s["connections"]
                print("connections: open \(c?["open"]?.cellText ?? "?") of \(c?["limit"]?.cellText ?? "?"), accepted \(c?["accepted"]?.cellText ?? "?"), rejected \(c?["rejected"]?.cellText ?? "?")")
                let p = s["pool"]
                print("database pool: in use \(p?["in_use"]?.cellText ?? "?"), idle \(p?["idle"]?.cellText ?? "?"), max \(p?["max"]?.cellText ?? "?"), waiting \(p?["waiting"]?.cellText ?? "?"), refused \(p?["refused"]?.cellText ?? "?")")
                print("")
                var table = TextTable(headers: ["method", "requests", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms"])
                for (name, m) in s["methods"]?.objectValue ?? JSONObject() {
                    // Latencies to a tenth of a millisecond: the server's microseconds are noise here.
                    let ms = ["p50", "p90", "p99", "max"].map { m["latency_ms"]?[$0]?.doubleValue.map { Formats.rounded($0) } ?? "" }
                    table.add([name, m["requests"]?.cellText ?? "", m["errors"]?.cellText ?? ""] + ms)
                }
                print(table.render())
            }
        }
    }
}
