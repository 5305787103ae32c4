import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

/// `crmctl verify`: the points ledger's consistency checks and the program's totals, for finance
/// and for monitoring (non-zero exit when a check fails).
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that every point and coupon is accounted for: lots, entries, members, the program's totals and the coupon books.",
        discussion: """
            Runs points.verify: no lot below zero or above its amount; each lot's remaining equals its entries; each \
            entry's points equal its lots' changes less its debt change; each member's entries equal their lots less \
            their debt; issued = spent + donated + expired + reversed + adjusted out + outstanding. The coupon books \
            too: per template, issued = redeemed + expired + voided + usable, each coupon's last event agrees with its \
            status, no budget passed. Exits 1 when a \
            check is violated (naming them on standard error), also with --json, so it can run from monitoring.
            """
    )
    @OptionGroup var options: CommonOptions
    @Option(help: "Examples to show per violated check.") var examples = 5

    func run() async throws {
        try await runClientCommand("crmctl") {
            try await options.connection.withClient(client: CRMCtl.clientName) { client in
                let r = try await client.call(RPC.Points.Verify.self)
                if options.json {
                    try printJSON(r)
                } else {
                    Self.printReport(r, examples: max(examples, 0))
                }
                guard r.ok else {
                    let violated = r.checks.filter { !$0.ok }.map(\.name)
                    throw CommandFailure(
                        "points ledger verification FAILED: " + (violated.isEmpty ? "the server says not ok" : "violated " + violated.joined(separator: ", ")))
                }
            }
        }
    }

    static func printReport(_ r: RPC.Points.Verify.Result, examples: Int) {
        var table = TextTable(headers: ["check", "result", "violations"])
        for c in r.checks { table.add([c.name, c.ok ? "ok" : "VIOLATED", String(c.violations)]) }
        print(table.render())
        for c in r.checks where !c.ok {
            let shown = c.examples.prefix(examples)
            guard !shown.isEmpty else { continue }
            print("\n\(c.name): \(c.violations) violations, for example")
            for e in shown { print("  " + e) }
        }
        let t = r.totals
        let lines = [
            ("issued", t.issued), ("spent", t.spent), ("donated", t.donated), ("expired", t.expired), ("reversed", t.reversed),
            ("adjusted out", t.adjustedOut), ("outstanding", t.outstanding), ("debt", t.debt),
        ]
        print("")
        printLabelled(lines.map { ($0.0, String($0.1)) })
        // The program's identity, worked out here too so a reader sees by how much it is off.
        let parts = [t.spent, t.donated, t.expired, t.reversed, t.adjustedOut, t.outstanding]
        let (sum, overflow) = parts.reduce((Int64(0), false)) { acc, part in
            let (value, o) = acc.0.addingReportingOverflow(part)
            return (value, acc.1 || o)
        }
        if !overflow {
            let verdict = sum == t.issued ? "balanced" : "off by \(Formats.signedPoints(t.issued - sum))"
            print("\nissued \(t.issued); spent + donated + expired + reversed + adjusted out + outstanding \(sum): \(verdict)")
        }
        if let c = r.coupons {
            print("\ncoupons: issued \(c.issued); redeemed \(c.redeemed) + expired \(c.expired) + voided \(c.voided) + usable \(c.usable)")
        }
    }
}
