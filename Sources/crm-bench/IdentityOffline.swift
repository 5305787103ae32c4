import CRMDomain
import Foundation

/// `crm-bench identity-explain OUT --offline`: the model trained and applied outside crmd on the same
/// generated records, in seconds instead of a whole `scripts/bench identity` run, to compare changes
/// of the comparison levels or the trainer before measuring one for real. Training draws its sample
/// as `crmctl identity train` does (random pairs for `u`; every training record's blocked candidates,
/// keys held by more than `maxPerBlock` passed over, at most `maxCandidates` each), with its own
/// random numbers; the held-out records are then compared with every earlier record sharing a usable
/// key, and the pairs at or above auto-merge joined (as merges do, transitively; the records joined so
/// far stand for a member, whose accounts are left out of its name's frequency). Only an estimate of
/// what crmd does: block sizes are those of all records, and a record is compared with records, not
/// with members.
struct OfflineRun {
    let records: ExplainRecords
    let heldFrom: Int
    let maxPerBlock: Int
    let maxCandidates = 200
    let autoMerge: Double
    let review: Double
    var showPatterns = false
    /// Whether an exact address is weighed by its own frequency (as crmd does) or by the average address's.
    var addressFrequency = true

    /// The model trained on the training records, as `crmctl identity train --seed` would.
    func train(seed: UInt64, randomPairs: Int = 200_000) -> (MatchModel, EMTrainer.Report) {
        var sample = TrainingSample()
        let n = heldFrom
        var state = seed
        for _ in 0..<randomPairs {
            let a = Int(Self.next(&state) % UInt64(n)), b = Int(Self.next(&state) % UInt64(n))
            guard a != b else { continue }
            sample.addRandom(FieldComparison.compare(records.all[a].fields, records.all[b].fields))
        }
        let blocks = Self.blockIndex(records.all[0..<n])
        for a in 0..<n {
            for (b, rules) in candidates(of: a, blocks: blocks, below: n) {
                sample.addBlocked(FieldComparison.compare(records.all[a].fields, records.all[b].fields), rules: rules)
            }
        }
        sample.accounts = n
        sample.sampledAccounts = n
        // Other members' accounts holding each account's name and address, one person's records standing
        // for one member (as ingest has merged most of them by the time a merchant trains).
        for a in 0..<n {
            let person = records.all[a].person
            func others(_ key: String?) -> Int? {
                key.map { k in (blocks[k] ?? []).filter { $0 != a && records.all[$0].person != person }.count }
            }
            if let k = others(records.all[a].fields.nameFrequencyKey) { sample.nameHolders.add(k) }
            if let k = others(records.all[a].fields.addressFrequencyKey) { sample.addressHolders.add(k) }
        }
        if showPatterns {
            var same = 0, total = 0
            for a in 0..<n {
                for (b, _) in candidates(of: a, blocks: blocks, below: n) { total += 1; if records.all[a].person == records.all[b].person { same += 1 } }
            }
            let share = Double(same) / Double(total)
            print(
                String(
                    format: "blocked pairs: %d, one person: %d (%.4f): the prior of a random pair is then %.2f bits", total, same, share,
                    log2(share * Double(total) / Double(n) / Double(n - 1))))
        }
        return EMTrainer.train(sample, version: 1)
    }

    /// Pairwise precision and recall of the automatic merges (joined transitively) and the review band
    /// over the held-out records' true pairs, and the false pairs scored at or above auto-merge.
    func evaluate(_ model: MatchModel) -> String {
        let blocks = Self.blockIndex(records.all[...])
        var parent = Array(0..<records.all.count)
        func root(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        var falseMerges = 0, reviewed = Set<[Int]>(), falseReview = 0
        var patterns: [String: (same: Int, other: Int, below: Int, weight: Double)] = [:]
        for a in heldFrom..<records.all.count {
            let x = records.all[a]
            for (b, _) in candidates(of: a, blocks: blocks, below: a) {
                let y = records.all[b]
                let v = FieldComparison.compare(x.fields, y.fields)
                let (name, address) = frequencies(a, b, blocks: blocks, model: model, root: root)
                let score = model.score(v, nameFrequency: name, addressFrequency: address)
                let p = score.probability
                let same = x.person == y.person
                let t = patterns[v.description] ?? (0, 0, 0, 0)
                patterns[v.description] = (
                    t.same + (same ? 1 : 0), t.other + (same ? 0 : 1), t.below + (same && p < autoMerge ? 1 : 0), t.weight + score.weight
                )
                if p >= autoMerge {
                    if x.person != y.person {
                        falseMerges += 1
                        if showPatterns { print("  false merge \(p) \(IdentityExplain.waterfall(score)) | \(x.labels) / \(y.labels)") }
                    }
                    parent[root(a)] = root(b)
                } else if p >= review {
                    if x.person != y.person { falseReview += 1 } else { reviewed.insert([a, b]) }
                }
            }
        }
        let truth = records.truePairs(from: heldFrom)
        if showPatterns {
            print(empiricalM(truth, model))
            print(Self.patternSummary(patterns))
            print(splitPersons(model, blocks: blocks, root: root))
        }
        let merged = truth.filter { root($0.0) == root($0.1) }.count
        var members: [Int: [Int: Int]] = [:]
        for i in heldFrom..<records.all.count { members[root(i), default: [:]][records.all[i].person, default: 0] += 1 }
        let mergedPairs = members.values.reduce(0) { sum, byPerson in
            let n = byPerson.values.reduce(0, +)
            return sum + n * (n - 1) / 2
        }
        let precision = mergedPairs == 0 ? 1 : Double(merged) / Double(mergedPairs)
        let queued = truth.filter { root($0.0) != root($0.1) && reviewed.contains([max($0.0, $0.1), min($0.0, $0.1)]) }.count
        return String(
            format: "offline: automatic merges precision %.4f recall %.4f (%d of %d true pairs; %d false pairs scored at or above auto-merge); "
                + "review band: %d true pairs not merged, %d false pairs",
            precision, Double(merged) / Double(truth.count), merged, truth.count, falseMerges, queued, falseReview)
    }

    /// Every person left in more than one member: for each two of its members, the best-scoring pair
    /// of records across them (whether blocking made them candidates), and the true pairs joining
    /// those two members would add, tallied by that pair's pattern and by its weight.
    func splitPersons(_ model: MatchModel, blocks: [String: [Int]], root: (Int) -> Int) -> String {
        var byPerson: [Int: [Int: [Int]]] = [:]
        for i in heldFrom..<records.all.count { byPerson[records.all[i].person, default: [:]][root(i), default: []].append(i) }
        var byPattern: [String: (links: Int, pairs: Int)] = [:]
        var byWeight: [Int: Int] = [:]
        var total = 0
        for (_, clusters) in byPerson where clusters.count > 1 {
            let groups = Array(clusters.values)
            for i in groups.indices {
                for j in groups.indices where j > i {
                    var best = -Double.infinity, pattern = "never candidates"
                    for a in groups[i] {
                        for b in groups[j] {
                            let (x, y) = a > b ? (a, b) : (b, a)
                            let met = Set(records.all[x].keys).intersection(records.all[y].keys).contains { (blocks[$0]?.count ?? 0) <= maxPerBlock }
                            guard met else { continue }
                            let (name, address) = frequencies(x, y, blocks: blocks, model: model, root: root)
                            let v = FieldComparison.compare(records.all[x].fields, records.all[y].fields)
                            let w = model.score(v, nameFrequency: name, addressFrequency: address).weight
                            if w > best { best = w; pattern = v.description }
                        }
                    }
                    let n = groups[i].count * groups[j].count
                    total += n
                    let t = byPattern[pattern] ?? (0, 0)
                    byPattern[pattern] = (t.links + 1, t.pairs + n)
                    byWeight[best.isFinite ? Int(floor(best)) : -99, default: 0] += n
                }
            }
        }
        var lines = ["persons split over members: \(total) true pairs across them; by the best pair's weight (floor: pairs):"]
        lines.append("  " + byWeight.sorted { $0.key > $1.key }.map { "\($0.key == -99 ? "never" : String($0.key)): \($0.value)" }.joined(separator: ", "))
        lines.append("by the best pair's pattern (links, true pairs joining would add):")
        for (p, t) in byPattern.sorted(by: { $0.value.pairs > $1.value.pairs }).prefix(30) {
            lines.append(String(format: "  %4d %5d  %@", t.links, t.pairs, p))
        }
        return lines.joined(separator: "\n")
    }

    /// The frequencies of record `a`'s name and address among the records before it, as crmd counts
    /// them when `a` arrives: the candidate `b`'s own records (those joined with it so far) left out.
    func frequencies(_ a: Int, _ b: Int, blocks: [String: [Int]], model: MatchModel, root: (Int) -> Int) -> (name: Double?, address: Double?) {
        let x = records.all[a].fields
        func holders(_ key: String?) -> (all: Int, candidate: Int)? {
            guard let key else { return nil }
            let h = (blocks[key] ?? []).filter { $0 != a && $0 < a }
            return (h.count, h.filter { root($0) == root(b) }.count)
        }
        let name = holders(x.nameFrequencyKey).map {
            NameFrequency.estimate(holders: $0.all, candidateHolders: $0.candidate, accounts: Double(a), model: model)
        }
        let address = holders(x.addressFrequencyKey).map {
            AddressFrequency.estimate(holders: $0.all, candidateHolders: $0.candidate, accounts: Double(a), model: model)
        }
        return (name, addressFrequency ? address : nil)
    }

    /// The comparison patterns with the most true pairs below auto-merge.
    static func patternSummary(_ patterns: [String: (same: Int, other: Int, below: Int, weight: Double)]) -> String {
        var lines = ["blocked pairs of held-out records by pattern, most true pairs below auto-merge first (true, false, true below auto-merge, mean weight):"]
        for (pattern, t) in patterns.sorted(by: { $0.value.below > $1.value.below }).prefix(25) {
            lines.append(String(format: "  %5d %6d %5d %+7.2f  %@", t.same, t.other, t.below, t.weight / Double(t.same + t.other), pattern))
        }
        return lines.joined(separator: "\n")
    }

    /// Records (below `below`) sharing a usable key with record `a`, with the rules of the keys they
    /// share: those sharing the most keys first, then the oldest, at most `maxCandidates`.
    func candidates(of a: Int, blocks: [String: [Int]], below: Int) -> [(Int, UInt8)] {
        var found: [Int: (count: Int, rules: UInt8)] = [:]
        for key in records.all[a].keys {
            guard let holders = blocks[key], holders.count <= maxPerBlock, let rule = BlockingRule(key: key) else { continue }
            for b in holders where b != a && b < below {
                let f = found[b] ?? (0, 0)
                found[b] = (f.count + 1, f.rules | rule.bit)
            }
        }
        return found.sorted { $0.value.count > $1.value.count || ($0.value.count == $1.value.count && $0.key < $1.key) }
            .prefix(maxCandidates).map { ($0.key, $0.value.rules) }
    }

    /// Per field and level, the share among the true pairs (what `m` should be) against the model's `m`.
    func empiricalM(_ truth: [(Int, Int)], _ model: MatchModel) -> String {
        var counts = MatchField.allCases.map { [Double](repeating: 0, count: $0.levels.count) }
        for (a, b) in truth {
            let v = FieldComparison.compare(records.all[a].fields, records.all[b].fields)
            for f in MatchField.allCases where v[f] != ComparisonVector.missing { counts[f.index][Int(v[f])] += 1 }
        }
        var lines = ["m among the true pairs (model's m):"]
        for f in MatchField.allCases {
            let total = max(counts[f.index].reduce(0, +), 1)
            lines.append(
                "  \(f.rawValue): "
                    + f.levels.indices.map { String(format: "%@ %.4f (%.4f)", f.levels[$0], counts[f.index][$0] / total, model.m[f.index][$0]) }.joined(
                        separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    static func blockIndex(_ records: ArraySlice<ExplainRecords.Record>) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for (i, r) in zip(records.indices, records) { for k in r.keys { out[k, default: []].append(i) } }
        return out
    }

    /// SplitMix64.
    static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
