import ArgumentParser
import CRMClient
import CRMCommandLine
import CRMProtocol

extension ReviewCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show why a likely match is in review: the match model's waterfall, field by field (levels, never values).")
        @OptionGroup var options: CommonOptions
        @Argument(help: "Review item id.") var id: Int64

        func run() async throws {
            try await runClientCommand("crmctl") {
                try await options.connection.withClient(client: CRMCtl.clientName) { client in
                    let item = try await client.call(RPC.Review.Show.self, .init(id: id))
                    if options.json { return printJSON(try JSONValueEncoder().encode(item)) }
                    print(ReviewWaterfallText.render(item))
                }
            }
        }
    }
}

/// A review item's waterfall as an operator reads it: where the model starts (the prior), what each
/// field added with its level, the running total, then the weight and the probability it gives.
enum ReviewWaterfallText {
    static func render(_ item: RPC.Review.Show.Result) -> String {
        var lines = [
            "review \(item.id): \(item.status), members \(item.memberIDs.map(\.description).joined(separator: " + ")), queued \(item.createdAt)"
        ]
        guard let version = item.modelVersion, let prior = item.priorBits, let weight = item.weight else {
            lines.append("probability \(probability(item.probability)) (scored before match models: no waterfall)")
            return lines.joined(separator: "\n")
        }
        lines.append("model \(version)\(version == 0 ? " (untrained)" : "")")
        var table = TextTable(headers: ["step", "level", "bits", "total"])
        var total = prior
        table.add(["prior", "", bits(prior), bits(total)])
        for step in item.fields {
            total += step.bits
            // The bits of that very value: a name's or an address's own frequency.
            let level = step.level.map { $0 + (step.termFrequency == true ? " (\(step.field) frequency)" : "") } ?? "missing: no evidence"
            table.add([step.field, level, bits(step.bits), bits(total)])
        }
        lines.append("")
        lines.append(table.render())
        lines.append("")
        lines.append("weight \(bits(weight)) → probability \(probability(item.probability))")
        if let held = item.heldBack { lines.append("held back below auto-merge: \(held)") }
        if item.status == "open" { lines.append("decide with: crmctl review decide \(item.id) merge|separate --reason \"…\"") }
        return lines.joined(separator: "\n")
    }

    /// Bits with their sign, to hundredths, so the column lines up: `+6.41`, `-9.96`, `+3.00`.
    static func bits(_ b: Double) -> String {
        let hundredths = Int64((b.magnitude * 100).rounded())
        guard hundredths > 0 else { return "0.00" }
        let fraction = String(hundredths % 100)
        return (b < 0 ? "-" : "+") + "\(hundredths / 100)." + (fraction.count < 2 ? "0" : "") + fraction
    }

    /// A probability cut (not rounded) to 5 decimals, so 0.999996 never reads as a certain 1.
    static func probability(_ p: Double) -> String {
        let units = Int64((p * 100_000).rounded(.down))
        let fraction = String(units % 100_000)
        return "\(units / 100_000)." + String(repeating: "0", count: 5 - fraction.count) + fraction
    }
}
