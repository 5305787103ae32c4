import ArgumentParser
import CRMCommandLine
import CRMProtocol

struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ask whether the server and its database are up (no token needed).")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: CRMCtl.clientName, requireToken: false) { client in
                let result = try await client.call(RPC.Server.Health.self)
                if options.json { return printJSON(try JSONValueEncoder().encode(result)) }
                print("status    \(result.status)")
                print("database  \(result.database)")
                print("version   \(result.version)")
                if result.status != "ok" { throw ExitCode(ClientExit.unavailable) }
            }
        }
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the server's counters: connections, requests and latency by method, pool use.")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: CRMCtl.clientName) { client in
                let s = try await client.call(RPC.Server.Stats.self)
                if options.json { return printJSON(try JSONValueEncoder().encode(s)) }
                print("version \(s.version)  uptime \(Formats.duration(seconds: s.uptimeSeconds))  database \(s.database)")
                let c = s.connections
                print("connections: open \(c.open) of \(c.limit), accepted \(c.accepted), rejected \(c.rejected)")
                let p = s.pool
                print("database pool: in use \(p.inUse), idle \(p.idle), max \(p.max), waiting \(p.waiting), refused \(p.refused)")
                print("")
                var table = TextTable(headers: ["method", "requests", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms"])
                for (name, m) in s.methods.entries {
                    // Latencies to a tenth of a millisecond: the server's microseconds are noise here.
                    let ms = [m.latencyMs.p50, m.latencyMs.p90, m.latencyMs.p99, m.latencyMs.max].map { Formats.rounded($0) }
                    table.add([name, String(m.requests), String(m.errors)] + ms)
                }
                print(table.render())
            }
        }
    }
}
