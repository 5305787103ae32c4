import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl verify`: the points ledger's consistency checks and the program's totals, for finance
/// and for monitoring (non-zero exit when a check fails).
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that every point is accounted for: lots, entries, members and the program's totals.",
        discussion: """
            Runs points.verify: no lot below zero or above its amount; each lot's remaining equals its entries; each \
            entry's points equal its lots' changes less its debt change; each member's entries equal their lots less \
            their debt; issued = spent + donated + expired + reversed + adjusted out + outstanding. Exits 1 when a \
            check is violated (naming them on standard error), also with --json, so it can run from monitoring.
            """
    )
    @OptionGroup var options: CommonOptions
    @Option(help: "Examples to show per violated check.") var examples = 5

    func run() async throws {
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: "crmctl/0.1") { client in
                let r = try await client.call("points.verify", [:])
                let checks = r["checks"]?.arrayValue ?? []
                if options.json {
                    printJSON(r)
                } else {
                    Self.printReport(r, checks: checks, examples: max(examples, 0))
                }
                guard r["ok"]?.boolValue == true else {
                    let violated = checks.filter { $0["ok"]?.boolValue != true }.map { $0["name"]?.cellText ?? "?" }
                    throw CommandFailure("points ledger verification FAILED: " + (violated.isEmpty ? "the server says not ok" : "violated " + violated.joined(separator: ", ")))
                }
            }
        }
    }

    static func printReport(_ r: JSONValue, checks: [JSONValue], examples: Int) {
        var table = TextTable(headers: ["check", "result", "violations"])
        for c in checks {
            table.add([c["name"]?.cellText ?? "?", c["ok"]?.boolValue == true ? "ok" : "VIOLATED", c["violations"]?.cellText ?? "?"])
        }
        print(table.render())
        for c in checks where c["ok"]?.boolValue != true {
            let shown = (c["examples"]?.arrayValue ?? []).prefix(examples)
            guard !shown.isEmpty else { continue }
            print("\n\(c["name"]?.cellText ?? "?"): \(c["violations"]?.cellText ?? "?") violations, for example")
            for e in shown { print("  " + e.cellText) }
        }
        guard let totals = r["totals"], !totals.isNull else { return }
        let names = [("issued", "issued"), ("spent", "spent"), ("donated", "donated"), ("expired", "expired"), ("reversed", "reversed"),
                     ("adjusted_out", "adjusted out"), ("outstanding", "outstanding"), ("debt", "debt")]
        print("")
        printLabelled(names.map { ($0.1, totals[$0.0]?.cellText ?? "?") })
        // The program's identity, worked out here too so a reader sees by how much it is off.
        let parts = ["spent", "donated", "expired", "reversed", "adjusted_out", "outstanding"].map { totals[$0]?.int64Value }
        if let issued = totals["issued"]?.int64Value, parts.allSatisfy({ $0 != nil }) {
            let (sum, overflow) = parts.reduce((Int64(0), false)) { acc, part in
                let (value, o) = acc.0.addingReportingOverflow(part!)
                return (value, acc.1 || o)
            }
            guard !overflow else { return }
            let verdict = sum == issued ? "balanced" : "off by \(Formats.signedPoints(issued - sum))"
            print("\nissued \(issued); spent + donated + expired + reversed + adjusted out + outstanding \(sum): \(verdict)")
        }
    }
}
