import ArgumentParser
import CRMDomain
import CRMJSON
import CRMText
import Foundation

/// `crm-bench identity-explain OUT`: why true pairs of held-out records were not merged, after
/// `scripts/bench identity` wrote OUT. Every true pair that ended in two members is looked at again
/// outside crmd: whether its records share a blocking key (and whether every key they share is held by
/// more accounts than `max_candidates_per_block`, so ingest passed it over), and how the side's model
/// scores the pair (comparison levels, waterfall, probability). It separates pairs that never met
/// (blocking) from pairs that met and scored too low (the model), writes one line per pair to
/// OUT/SIDE-missed-pairs.tsv and prints a summary. Block sizes are those of all records of both sets,
/// at least what ingest saw.
struct IdentityExplain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity-explain", abstract: "Why true pairs of a scripts/bench identity run were not merged.")

    @Argument(help: "The directory scripts/bench identity wrote (--out).") var out: String
    @Option(help: "The side whose outcome is explained.") var side = "model"
    @Option(help: "The match model (JSON, as identity_model.parameters); default OUT/SIDE-model.json, else the untrained model.")
    var model: String?
    @Option(help: "Accounts a blocking key may have before ingest passes it over (identity.max_candidates_per_block).")
    var maxPerBlock = 50
    @Option(help: "Review threshold.") var review = 0.9
    @Option(help: "Auto-merge threshold.") var autoMerge = 0.999
    @Option(help: "Most common comparison patterns listed.") var patterns = 30
    @Flag(help: "Also train a model outside crmd on the training records and estimate both models' merges (OfflineRun).")
    var offline = false
    @Option(help: "Seed of the offline training.") var seed: UInt64 = 1
    @Option(help: "Random pairs the offline training draws (crmctl identity train --pairs).") var pairs = 200_000
    @Option(help: "Blocking rules left out of the offline run (prefixes, comma-separated: ad,ny), to measure what a rule adds.")
    var withoutRules = ""
    @Flag(help: "The offline run weighs an exact address by the average address, not by its own frequency.")
    var withoutAddressFrequency = false

    func run() throws {
        let matchModel = try loadModel()
        var records = try ExplainRecords.load(out + "/training")
        let heldFrom = records.all.count
        try records.add(out + "/held-out")
        let outcome = try SideOutcome(out: out, side: side, records: records)
        let blocks = records.blocks()
        var rows = ["status\tcategory\tprobability\tweight\tcomparison\twaterfall\tshared_rules\tcorruptions_a\tcorruptions_b"]
        var tally = ExplainTally()
        for (a, b) in records.truePairs(from: heldFrom) where !outcome.merged(a, b) {
            let status = outcome.queued(a, b) ? "queued" : "neither"
            let x = records.all[a], y = records.all[b]
            let shared = Set(x.keys).intersection(y.keys)
            let usable = shared.filter { (blocks[$0] ?? 0) <= maxPerBlock }
            let holders = x.fields.nameFrequencyKey.map { max((blocks[$0] ?? 1) - 1, 0) }
            // The other record's member's accounts with the name are left out, as crmd does.
            let own = records.all.indices.filter { $0 != a && outcome.member[$0] != nil && outcome.member[$0] == outcome.member[b] }
                .filter { x.fields.sharesNameFrequencyKey(with: records.all[$0].fields) }.count
            let frequency = holders.map {
                NameFrequency.estimate(holders: $0, candidateHolders: own, accounts: Double(records.all.count), model: matchModel)
            }
            // The address likewise: its holders but the record and the other record's member's accounts.
            let atAddress = x.fields.addressFrequencyKey.map { key in
                let own = records.all.indices.filter { $0 != a && outcome.member[$0] != nil && outcome.member[$0] == outcome.member[b] }
                return (max((blocks[key] ?? 1) - 1, 0), own.filter { records.all[$0].fields.addressFrequencyKey == key }.count)
            }
            let addressFrequency = atAddress.map {
                AddressFrequency.estimate(holders: $0.0, candidateHolders: $0.1, accounts: Double(records.all.count), model: matchModel)
            }
            let v = FieldComparison.compare(x.fields, y.fields)
            let score = matchModel.score(v, nameFrequency: frequency, addressFrequency: addressFrequency)
            let category: String
            if shared.isEmpty {
                category = "never a candidate: no blocking key shared"
            } else if usable.isEmpty {
                category = "never a candidate: every shared key held by more than \(maxPerBlock)"
            } else if score.probability >= autoMerge {
                category = "pair scores at or above auto-merge (lost elsewhere: ordering, guards, candidate limit)"
            } else if score.probability >= review {
                category = "pair scores in the review band"
            } else {
                category = "pair scores below review"
            }
            tally.add(status: status, category: category, vector: v, score: score, labels: x.labels + y.labels)
            let rules = Set(usable.compactMap { BlockingRule(key: $0)?.rawValue }).sorted().joined(separator: ",")
            rows.append(
                [
                    status, category, String(format: "%.6f", score.probability), String(format: "%.2f", score.weight), v.description,
                    Self.waterfall(score), rules.isEmpty ? "-" : rules, x.labels.joined(separator: ","), y.labels.joined(separator: ","),
                ].joined(separator: "\t"))
        }
        try (rows.joined(separator: "\n") + "\n").write(toFile: "\(out)/\(side)-missed-pairs.tsv", atomically: true, encoding: .utf8)
        print(tally.summary(patterns: patterns))
        print("(one line per pair: \(out)/\(side)-missed-pairs.tsv)")
        if offline {
            let left = Set(withoutRules.split(separator: ",").map { String($0) + ":" })
            for i in records.all.indices { records.all[i].keys.removeAll { left.contains(String($0.prefix(3))) } }
            var run = OfflineRun(records: records, heldFrom: heldFrom, maxPerBlock: maxPerBlock, autoMerge: autoMerge, review: review)
            run.addressFrequency = !withoutAddressFrequency
            print("side's model: " + run.evaluate(matchModel))
            run.showPatterns = true
            let (trained, report) = run.train(seed: seed, randomPairs: pairs)
            print(
                "trained offline (\(report.randomPairs) random, \(report.blockedPairs) blocked pairs; the average name weighs "
                    + String(format: "%.0f accounts, the average address %.0f): ", report.namePriorAccounts, report.addressPriorAccounts)
                    + Self.parameters(trained))
            print("offline model: " + run.evaluate(trained))
        }
    }

    /// `prior -12.38 · name exact +11.91 script … · birthday …`.
    static func parameters(_ model: MatchModel) -> String {
        var parts = [String(format: "prior %+.2f", model.priorBits)]
        for field in MatchField.allCases {
            let levels = field.levels.indices.map { String(format: "%@ %+.2f", field.levels[$0], model.bits(field, level: Int8($0)).bits) }
            parts.append(field.rawValue + ": " + levels.joined(separator: ", "))
        }
        return parts.joined(separator: " · ")
    }

    func loadModel() throws -> MatchModel {
        let path = model ?? "\(out)/\(side)-model.json"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            print("no model at \(path): the untrained model scores")
            return .untrained
        }
        guard case .object(let object) = try JSONParser.parse(text) else { throw ValidationError("\(path) holds no JSON object") }
        return try MatchModel(json: object)
    }

    /// `prior -12.38 | name exact +11.91 | birthday - | …`.
    static func waterfall(_ s: PairScore) -> String {
        (["prior \(String(format: "%+.2f", s.priorBits))"]
            + s.contributions.map { c in
                "\(c.field.rawValue) \(c.level ?? "-")\(c.level == nil ? "" : String(format: " %+.2f", c.bits))\(c.termFrequency ? " tf" : "")"
            }).joined(separator: " | ")
    }
}

/// The generated records of both sets, as crmd compares them.
struct ExplainRecords {
    struct Record {
        var key: String
        var person: Int
        var labels: [String]
        var fields: PersonFields
        var keys: [String]
    }

    var all: [Record] = []
    var index: [String: Int] = [:]

    static func load(_ directory: String) throws -> ExplainRecords {
        var records = ExplainRecords()
        try records.add(directory)
        return records
    }

    /// The records of one generated set: its member.upsert events, with truth.tsv's person and corruptions.
    mutating func add(_ directory: String) throws {
        var truth: [String: (Int, [String])] = [:]
        for line in try String(contentsOfFile: directory + "/truth.tsv", encoding: .utf8).split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            truth[f[0] + "/" + f[1] + "/" + f[2]] = (Int(f[3]) ?? 0, f[5] == "-" ? [] : f[5].split(separator: ",").map(String.init))
        }
        let shops = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("sh") }.sorted()
        for shop in shops {
            for file in try FileManager.default.contentsOfDirectory(atPath: directory + "/" + shop).sorted() where file.hasSuffix(".jsonl") {
                for line in try String(contentsOfFile: "\(directory)/\(shop)/\(file)", encoding: .utf8).split(separator: "\n") {
                    guard case .object(let event) = try JSONParser.parse(String(line)), event["type"]?.stringValue == "member.upsert",
                        let channel = event["channel"]?.stringValue, let member = event["member"]?.objectValue,
                        let external = member["external_id"]?.stringValue
                    else { continue }
                    let key = shop + "/" + channel + "/" + external
                    guard let (person, labels) = truth[key] else { continue }
                    let fields = PersonFields(
                        name: member["name"]?.stringValue.flatMap { TextKey.normalize($0).isEmpty ? nil : TextKey.normalize($0) },
                        birthday: member["birthday"]?.stringValue.flatMap(BirthDate.normalize), address: member["address"]?.stringValue,
                        region: member["region"]?.stringValue, phone: member["phone"]?.stringValue.flatMap { PhoneNumber.normalize($0) },
                        forms: ChineseForms.shared)
                    index[key] = all.count
                    all.append(Record(key: key, person: person, labels: labels, fields: fields, keys: fields.blockingKeys))
                }
            }
        }
    }

    /// Accounts holding each blocking key.
    func blocks() -> [String: Int] {
        var out: [String: Int] = [:]
        for r in all { for k in r.keys { out[k, default: 0] += 1 } }
        return out
    }

    /// Pairs of records (indexes from `from` on) of one person.
    func truePairs(from: Int) -> [(Int, Int)] {
        var byPerson: [Int: [Int]] = [:]
        for i in from..<all.count { byPerson[all[i].person, default: []].append(i) }
        var out: [(Int, Int)] = []
        for p in byPerson.keys.sorted() {
            let rs = byPerson[p]!
            for i in rs.indices { for j in rs.indices where j > i { out.append((rs[i], rs[j])) } }
        }
        return out
    }
}

/// Where one side's run left each record: its live member, and the open review items between members.
struct SideOutcome {
    var member: [Int: Int64] = [:]
    var reviews: Set<[Int64]> = []

    init(out: String, side: String, records: ExplainRecords) throws {
        var mergedInto: [Int64: Int64] = [:]
        for f in try Self.rows("\(out)/\(side)-merged.tsv") { mergedInto[Int64(f[0])!] = Int64(f[1])! }
        func live(_ m: Int64) -> Int64 {
            var m = m
            for _ in 0..<1000 { guard let next = mergedInto[m] else { break }; m = next }
            return m
        }
        for f in try Self.rows("\(out)/\(side)-accounts.tsv") {
            if let i = records.index[f[0] + "/" + f[1] + "/" + f[2]] { member[i] = live(Int64(f[3])!) }
        }
        for f in try Self.rows("\(out)/\(side)-review.tsv") {
            let a = live(Int64(f[0])!), b = live(Int64(f[1])!)
            reviews.insert([min(a, b), max(a, b)])
        }
    }

    static func rows(_ path: String) throws -> [[String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }

    func merged(_ a: Int, _ b: Int) -> Bool { member[a] != nil && member[a] == member[b] }

    func queued(_ a: Int, _ b: Int) -> Bool {
        guard let x = member[a], let y = member[b] else { return false }
        return reviews.contains([min(x, y), max(x, y)])
    }
}

/// Counts of the pairs explained, for the summary.
struct ExplainTally {
    var categories: [String: [String: Int]] = [:]
    var patterns: [String: (count: Int, weight: Double)] = [:]
    var labels: [String: Int] = [:]
    var total = 0

    mutating func add(status: String, category: String, vector: ComparisonVector, score: PairScore, labels pairLabels: [String]) {
        total += 1
        categories[category, default: [:]][status, default: 0] += 1
        let p = patterns[vector.description] ?? (0, 0)
        patterns[vector.description] = (p.count + 1, p.weight + score.weight)
        for l in Set(pairLabels) { labels[l, default: 0] += 1 }
    }

    func summary(patterns limit: Int) -> String {
        var lines = ["true held-out pairs not merged: \(total)"]
        for (category, byStatus) in categories.sorted(by: { $0.key < $1.key }) {
            let n = byStatus.values.reduce(0, +)
            lines.append("  \(n)\t\(category) (queued \(byStatus["queued"] ?? 0), neither \(byStatus["neither"] ?? 0))")
        }
        lines.append("corruptions on either record (pairs):")
        for (label, n) in labels.sorted(by: { $0.value > $1.value }) { lines.append("  \(n)\t\(label)") }
        lines.append("comparison patterns (pairs, mean weight):")
        for (pattern, p) in patterns.sorted(by: { $0.value.count > $1.value.count }).prefix(limit) {
            lines.append("  \(p.count)\t\(String(format: "%+.2f", p.weight / Double(p.count)))\t\(pattern)")
        }
        return lines.joined(separator: "\n")
    }
}
