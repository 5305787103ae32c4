import Foundation

/// Estimates a `MatchModel` from a `TrainingSample`, as the record-linkage literature does:
/// `u` from random pairs (nearly all of two people), fixed; then `m` and the prior by
/// expectation–maximisation over blocked candidate pairs, with the known matches (pairs one
/// member holds by a deterministic key) counted as matches in every step. Blocking makes the
/// fields a rule blocks on agree among its non-matches too, so each field's `m` is taken from the
/// runs over the rules that leave that field free, and in every run the fields a pair was blocked on
/// are left out of its likelihood (they agree because of blocking, not because of the person). The
/// run over all pairs gives the share of matches among blocked pairs, which the number of pairs per
/// sampled account turns into the prior of any two accounts: the prior a model applies with every
/// field counted.
/// Deterministic: the same sample gives the same model, bit for bit (patterns are visited sorted).
public enum EMTrainer {
    /// Pseudo-counts added to every level, so a level never seen is rare, not impossible.
    public static let smoothing = 0.5
    public static let maxIterations = 200
    /// Largest change of any parameter between iterations at which EM has converged.
    public static let tolerance = 1e-7
    /// A rule's run informs `m` only with at least this many pairs.
    public static let leastPairsPerRule = 50
    /// How much stronger than the average name the rarest name may count (the term-frequency floor
    /// is the `exact` name level's `u` divided by this).
    public static let rareNameFactor = 10.0

    /// How a training went, kept with the model.
    public struct Report: Sendable, Equatable {
        public var randomPairs: Int
        public var blockedPairs: Int
        public var knownPairs: Int
        /// The share of matches among blocked pairs (the model's prior is per random pair).
        public var blockedPrior: Double = 0
        /// The weights of the average name and address against their own counts (`priorAccounts`).
        public var namePriorAccounts = NameFrequency.priorAccounts
        public var addressPriorAccounts = NameFrequency.priorAccounts
        /// EM iterations and whether it converged, for all pairs and per rule that had enough.
        public var runs: [Run]

        /// One EM run.
        public struct Run: Sendable, Equatable {
            public var rule: String
            public var pairs: Int
            public var iterations: Int
            public var converged: Bool
            public var prior: Double
        }
    }

    /// Rounds of re-estimating `u` with the matches among the random pairs taken out (`estimateU`).
    public static let uRounds = 4

    /// The model estimated from `sample`, numbered `version`. `u` first from all random pairs, then,
    /// `uRounds` times, from the random pairs weighted by how likely each is two people under the model
    /// fitted so far: random pairs are nearly all of two people, but not all, and where a level is
    /// rare among strangers (an exact birthday, an exact address) the few one-person pairs among them
    /// would otherwise make up much of its `u` and halve or quarter its evidence.
    public static func train(_ sample: TrainingSample, version: Int64) -> (MatchModel, Report) {
        var (model, report) = fit(sample, u: estimateU(sample.random), version: version)
        for _ in 0..<uRounds {
            (model, report) = fit(sample, u: estimateU(sample.random, apart: model), version: version)
        }
        return (model, report)
    }

    /// `m` and the prior by expectation–maximisation with `u` given.
    static func fit(_ sample: TrainingSample, u: [[Double]], version: Int64) -> (MatchModel, Report) {
        let knownM = knownCounts(sample.known)
        let all = vectors(sample.blocked, rule: nil)
        let base = MatchModel.untrained
        var report = Report(
            randomPairs: sample.random.values.reduce(0, +), blockedPairs: all.reduce(0) { $0 + $1.1 },
            knownPairs: sample.known.values.reduce(0, +), runs: [])
        let union = run(all, u: u, known: knownM, start: base.m, prior: 0.05)
        report.runs.append(.init(rule: "all", pairs: report.blockedPairs, iterations: union.iterations, converged: union.converged, prior: union.prior))
        var perField: [[(m: [Double], weight: Double)]] = MatchField.allCases.map { _ in [] }
        for rule in BlockingRule.allCases {
            let pairs = vectors(sample.blocked, rule: rule)
            let count = pairs.reduce(0) { $0 + $1.1 }
            guard count >= leastPairsPerRule else { continue }
            let r = run(pairs, u: u, known: knownM, start: union.m, prior: union.prior)
            report.runs.append(.init(rule: rule.rawValue, pairs: count, iterations: r.iterations, converged: r.converged, prior: r.prior))
            for field in MatchField.allCases where !rule.fields.contains(field) {
                let weight = corroborated(field, pairs)
                if weight > 0 { perField[field.index].append((r.m[field.index], weight)) }
            }
        }
        let m = MatchField.allCases.map { f in
            perField[f.index].isEmpty ? union.m[f.index] : average(perField[f.index])
        }
        let floor = clamp(u[MatchField.name.index][0] / rareNameFactor)
        report.blockedPrior = blockedShare(sample.blocked, m: m, u: u, start: union.prior)
        let prior = randomPairPrior(blockedPrior: report.blockedPrior, blockedPairs: report.blockedPairs, sample: sample)
        report.namePriorAccounts = priorAccounts(sample.nameHolders, accounts: sample.accounts)
        report.addressPriorAccounts = priorAccounts(sample.addressHolders, accounts: sample.accounts)
        let model = MatchModel(
            version: version, prior: prior, m: m, u: u, termFrequencyFloor: floor, namePriorAccounts: report.namePriorAccounts,
            addressPriorAccounts: report.addressPriorAccounts)
        return (model, report)
    }

    /// Sampled accounts with a value needed before its holder counts are believed.
    public static let leastHolderAccounts = 100

    /// How many accounts' worth of weight the average value gets against a value's own count
    /// (`NameFrequency`), from how far the sampled accounts' holder counts spread (empirical Bayes: the
    /// method of moments of a beta-binomial). Were every value equally common, the counts would spread
    /// as a binomial's; the more they spread beyond that, the more the values' frequencies differ, and
    /// the sooner a value's own count is to be believed: a name no other member holds is then rarer
    /// than the average name by more. At most `NameFrequency.priorAccounts` (no more weight on the
    /// average than before it was estimated), which is also the answer without enough counts or spread.
    public static func priorAccounts(_ h: HolderCounts, accounts: Int) -> Double {
        let most = NameFrequency.priorAccounts
        guard h.accounts >= leastHolderAccounts, accounts > 2 else { return most }
        let n = Double(h.accounts), others = Double(accounts - 1)
        let mean = Double(h.sum) / n
        let share = mean / others
        let spread = (Double(h.squares) / n - mean * mean) / (others * share * (1 - share))
        guard share > 0, share < 1, spread > 1 else { return most }
        return min(max((others - 1) / (spread - 1) - 1, 1), most)
    }

    /// λ for any two accounts: matches per sampled account (the blocked share times blocked pairs per
    /// sampled account) over the other accounts each could be paired with.
    static func randomPairPrior(blockedPrior: Double, blockedPairs: Int, sample: TrainingSample) -> Double {
        guard sample.sampledAccounts > 0, sample.accounts > 1 else { return clamp(blockedPrior) }
        let perAccount = blockedPrior * Double(blockedPairs) / Double(sample.sampledAccounts)
        return min(max(perAccount / Double(sample.accounts - 1), 1e-12), 1 - MatchModel.epsilon)
    }

    /// Per field, the share of each level among random pairs that have the field; with `apart`, each
    /// pair counted by the probability that it is two people under that model (with its prior, the
    /// chance that two accounts drawn at random are one person).
    static func estimateU(_ random: [ComparisonVector: Int], apart model: MatchModel? = nil) -> [[Double]] {
        var counts = MatchField.allCases.map { [Double](repeating: 0, count: $0.levels.count) }
        for (v, n) in sorted(random.map { ($0.key, $0.value) }) {
            let twoPeople = model.map { 1 - matchProbability(v, m: $0.m, u: $0.u, prior: $0.prior) } ?? 1
            for f in MatchField.allCases where v[f] != ComparisonVector.missing { counts[f.index][Int(v[f])] += Double(n) * twoPeople }
        }
        return counts.map(normalise)
    }

    /// Per field, how many known matches reached each level.
    static func knownCounts(_ known: [ComparisonVector: Int]) -> [[Double]] {
        var counts = MatchField.allCases.map { [Double](repeating: 0, count: $0.levels.count) }
        for (v, n) in sorted(known.map { ($0.key, $0.value) }) {
            for f in MatchField.allCases where v[f] != ComparisonVector.missing { counts[f.index][Int(v[f])] += Double(n) }
        }
        return counts
    }

    struct Outcome {
        var m: [[Double]]
        var prior: Double
        var iterations: Int
        var converged: Bool
    }

    /// Expectation–maximisation of `m` and the prior over `pairs`, `u` fixed.
    static func run(_ pairs: [(ComparisonVector, Int)], u: [[Double]], known: [[Double]], start: [[Double]], prior: Double) -> Outcome {
        var m = start, lambda = clamp(prior)
        let total = Double(pairs.reduce(0) { $0 + $1.1 })
        guard total > 0 else { return Outcome(m: m, prior: lambda, iterations: 0, converged: true) }
        for iteration in 1...maxIterations {
            var counts = known
            var matched = 0.0
            for (v, n) in pairs {
                let posterior = matchProbability(v, m: m, u: u, prior: lambda)
                let weight = posterior * Double(n)
                matched += weight
                for f in MatchField.allCases where v[f] != ComparisonVector.missing { counts[f.index][Int(v[f])] += weight }
            }
            let next = counts.map(normalise)
            let nextLambda = clamp(matched / total)
            var change = abs(nextLambda - lambda)
            for (a, b) in zip(next.joined(), m.joined()) { change = max(change, abs(a - b)) }
            m = next
            lambda = nextLambda
            if change < tolerance { return Outcome(m: m, prior: lambda, iterations: iteration, converged: true) }
        }
        return Outcome(m: m, prior: lambda, iterations: maxIterations, converged: false)
    }

    /// The share of matches among `pairs` with `m` and `u` as estimated: expectation–maximisation of
    /// that one parameter. The run over all pairs estimates it along with an `m` of its own, which
    /// pairs with a single field left to compare can pull far off (strangers alike in what found
    /// them taken for matches); with the fields' `m` from the runs that corroborate them, the share
    /// rests on the evidence the model will use.
    static func share(_ pairs: [(ComparisonVector, Int)], m: [[Double]], u: [[Double]], start: Double) -> Double {
        let total = Double(pairs.reduce(0) { $0 + $1.1 })
        guard total > 0 else { return clamp(start) }
        var lambda = clamp(start)
        for _ in 1...maxIterations {
            let matched = pairs.reduce(0.0) { $0 + matchProbability($1.0, m: m, u: u, prior: lambda) * Double($1.1) }
            let next = clamp(matched / total)
            let settled = abs(next - lambda) < tolerance
            lambda = next
            if settled { break }
        }
        return lambda
    }

    /// The share of matches among all blocked pairs, each pair judged within the rules that found it.
    /// Within one rule's pairs, leaving out that rule's fields is all blocking asks; across rules it is
    /// not: a pair found by surname and address but not by birthday has birthdays that differ or are
    /// missing, because the birthday rule did not find it, so one run over all pairs with every finding
    /// rule's fields left out would count its matches as strangers. So each rule's share of matches
    /// is estimated over its own pairs (with the fitted `m` and `u`), and a pair's chance of being one
    /// person is the mean of its chances within each rule that found it.
    static func blockedShare(_ blocked: [TrainingSample.Pattern: Int], m: [[Double]], u: [[Double]], start: Double) -> Double {
        var lambda: [BlockingRule: Double] = [:]
        for rule in BlockingRule.allCases { lambda[rule] = share(vectors(blocked, rule: rule), m: m, u: u, start: start) }
        var matched = 0.0, total = 0.0
        // In one fixed order, so the sum comes out the same in every process.
        let ordered = blocked.sorted { x, y in
            x.key.vector.levels != y.key.vector.levels ? x.key.vector.levels.lexicographicallyPrecedes(y.key.vector.levels) : x.key.rules < y.key.rules
        }
        for (pattern, n) in ordered {
            let rules = BlockingRule.allCases.filter { pattern.rules & $0.bit != 0 }
            guard !rules.isEmpty else { continue }
            var chance = 0.0
            for rule in rules {
                var v = pattern.vector
                for f in rule.fields { v[f] = ComparisonVector.missing }
                chance += matchProbability(v, m: m, u: u, prior: lambda[rule]!)
            }
            matched += chance / Double(rules.count) * Double(n)
            total += Double(n)
        }
        return total > 0 ? clamp(matched / total) : clamp(start)
    }

    /// P(match | v) under the current parameters, through log odds (no underflow).
    static func matchProbability(_ v: ComparisonVector, m: [[Double]], u: [[Double]], prior: Double) -> Double {
        var bits = log2(prior / (1 - prior))
        for f in MatchField.allCases where v[f] != ComparisonVector.missing {
            bits += log2(m[f.index][Int(v[f])] / u[f.index][Int(v[f])])
        }
        return PairScore.probability(weight: bits)
    }

    static func normalise(_ counts: [Double]) -> [Double] {
        let total = counts.reduce(0, +) + smoothing * Double(counts.count)
        return counts.map { clamp(($0 + smoothing) / total) }
    }

    /// The runs' `m` of one field, each weighted by its pairs that corroborate the field.
    static func average(_ rows: [(m: [Double], weight: Double)]) -> [Double] {
        let weights = rows.reduce(0) { $0 + $1.weight }
        var mean = [Double](repeating: 0, count: rows[0].m.count)
        for row in rows { for i in mean.indices { mean[i] += row.m[i] * row.weight / weights } }
        let total = mean.reduce(0, +)
        return mean.map { clamp($0 / total) }
    }

    /// How many of a run's pairs compare `field` and at least one other field: only those can tell
    /// whether the field agrees because of the person. Where the field is all a rule leaves to compare
    /// (records found by surname and address, without phones, leave only the birthday), EM can only
    /// sort pairs by that field itself, and any group of strangers alike in the rest (a family at one
    /// address) is taken for matches that disagree on it.
    static func corroborated(_ field: MatchField, _ pairs: [(ComparisonVector, Int)]) -> Double {
        var n = 0
        for (v, count) in pairs where v[field] != ComparisonVector.missing {
            if MatchField.allCases.contains(where: { $0 != field && v[$0] != ComparisonVector.missing }) { n += count }
        }
        return Double(n)
    }

    static func clamp(_ p: Double) -> Double { min(max(p, MatchModel.epsilon), 1 - MatchModel.epsilon) }

    /// The blocked pairs (of one rule, or all), counted by comparison with the fields they were
    /// blocked on left out, sorted.
    static func vectors(_ blocked: [TrainingSample.Pattern: Int], rule: BlockingRule?) -> [(ComparisonVector, Int)] {
        var counts: [ComparisonVector: Int] = [:]
        for (pattern, n) in blocked where rule == nil || pattern.rules & rule!.bit != 0 {
            var v = pattern.vector
            for r in BlockingRule.allCases where (rule == nil && pattern.rules & r.bit != 0) || r == rule {
                for f in r.fields { v[f] = ComparisonVector.missing }
            }
            counts[v, default: 0] += n
        }
        return sorted(counts.map { ($0.key, $0.value) })
    }

    /// Patterns in one fixed order, so sums come out the same in every process.
    static func sorted(_ pairs: [(ComparisonVector, Int)]) -> [(ComparisonVector, Int)] {
        pairs.sorted { $0.0.levels.lexicographicallyPrecedes($1.0.levels) }
    }
}
