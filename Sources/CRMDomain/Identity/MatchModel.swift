import CRMJSON
import Foundation

/// A Fellegi–Sunter model of whether two person records are one person. For each field and each
/// comparison level it holds `m`, the probability of that level among pairs that are one person, and
/// `u`, among pairs that are not; a pair's match weight is the prior log odds plus Σ log2(m/u) over
/// the fields both records have, and its probability follows from the weight. `EMTrainer` estimates
/// the parameters from the merchant's own members; `untrained` is what crmd uses before that.
public struct MatchModel: Sendable, Equatable {
    /// 0 for `untrained`; else the stored version (`identity_model.version`).
    public var version: Int64
    /// λ: the share of one-person pairs among the candidate pairs blocking finds.
    public var prior: Double
    /// `m[field.index][level]`.
    public var m: [[Double]]
    /// `u[field.index][level]`.
    public var u: [[Double]]
    /// The least frequency a name is taken to have when its agreeing levels (`exact`, `script`,
    /// `pinyin`) are adjusted: a rare name is stronger evidence than the average name, by at most
    /// u(exact) / floor.
    public var termFrequencyFloor: Double
    /// The weight, in accounts, of the average name (address) against that name's (address's) own
    /// count (`NameFrequency`): estimated by training from how far the merchant's counts spread
    /// (`EMTrainer.priorAccounts`); `NameFrequency.priorAccounts` for the untrained model and models
    /// trained before it was estimated.
    public var namePriorAccounts: Double
    public var addressPriorAccounts: Double

    /// The name levels whose `u` is the name's frequency when it is known.
    public static let termFrequencyLevels: ClosedRange<Int8> = 0...2
    /// Parameters are kept inside (0, 1) by at least this.
    public static let epsilon = 1e-6

    public init(
        version: Int64, prior: Double, m: [[Double]], u: [[Double]], termFrequencyFloor: Double,
        namePriorAccounts: Double = NameFrequency.priorAccounts, addressPriorAccounts: Double = NameFrequency.priorAccounts
    ) {
        self.version = version
        self.prior = prior
        self.m = m
        self.u = u
        self.termFrequencyFloor = termFrequencyFloor
        self.namePriorAccounts = namePriorAccounts
        self.addressPriorAccounts = addressPriorAccounts
        precondition(problems().isEmpty, "invalid match model: \(problems())")
    }

    /// What is wrong with the parameters, if anything.
    public func problems() -> [String] {
        var out: [String] = []
        if !(prior > 0 && prior < 1) { out.append("prior must be between 0 and 1") }
        if !(termFrequencyFloor > 0 && termFrequencyFloor < 1) { out.append("term_frequency_floor must be between 0 and 1") }
        if !(namePriorAccounts > 0 && addressPriorAccounts > 0) { out.append("term_frequency_prior_accounts must be above 0") }
        for field in MatchField.allCases {
            let n = field.levels.count
            guard field.index < m.count, field.index < u.count, m[field.index].count == n, u[field.index].count == n else {
                out.append("\(field.rawValue) must have \(n) levels")
                continue
            }
            for p in m[field.index] + u[field.index] where !(p > 0 && p < 1) {
                out.append("\(field.rawValue): every m and u must be between 0 and 1")
                break
            }
        }
        return out
    }

    /// log2(λ / (1 − λ)).
    public var priorBits: Double { log2(prior / (1 - prior)) }

    /// log2(m/u) of one level, with `u` adjusted to the value's frequency where that applies (an
    /// agreeing name level, an exact address): the level's `u` scaled by how much more (or less)
    /// common the value is than the average value (`u` of the field's `exact`), so a value of average
    /// frequency scores as if none were known, and each level keeps its strength relative to the others.
    public func bits(_ field: MatchField, level: Int8, nameFrequency: Double? = nil, addressFrequency: Double? = nil) -> (bits: Double, termFrequency: Bool) {
        let mi = m[field.index][Int(level)]
        var ui = u[field.index][Int(level)]
        var adjusted = false
        let frequency: Double? =
            switch field {
            case .name: Self.termFrequencyLevels.contains(level) ? nameFrequency : nil
            case .address: level == 0 ? addressFrequency : nil
            default: nil
            }
        if let f = frequency, f > 0 {
            ui = min(ui * max(f, termFrequencyFloor(field)) / averageFrequency(field), 1 - Self.epsilon)
            adjusted = true
        }
        return (log2(mi / ui), adjusted)
    }

    /// The share of accounts holding a value, averaged as a random record's value is: what a value of
    /// unknown frequency is taken to have. For a name, `u` of its `exact` level. An address is compared
    /// only within one region (a move to another province is the region's evidence), so `u` of its `exact` level is the
    /// chance of one address among strangers of one region; among all accounts it is that times the
    /// chance that strangers share a region.
    public func averageFrequency(_ field: MatchField) -> Double {
        guard field == .address else { return u[field.index][0] }
        return u[field.index][0] * u[MatchField.region.index][0]
    }

    /// The least frequency a value of `field` is taken to have: `termFrequencyFloor` for names; for
    /// addresses the same share of the average address as the name's floor is of the average name, so
    /// the rarest address counts at most as much more than an average one as the rarest name does.
    public func termFrequencyFloor(_ field: MatchField) -> Double {
        guard field == .address else { return termFrequencyFloor }
        return min(averageFrequency(.address) * termFrequencyFloor / u[MatchField.name.index][0], averageFrequency(.address))
    }

    /// The pair's weight, probability and waterfall. `nameFrequency`, `addressFrequency`: the share of
    /// accounts with the new record's name, its address (nil when unknown: the level's own `u` is used).
    public func score(_ v: ComparisonVector, nameFrequency: Double? = nil, addressFrequency: Double? = nil) -> PairScore {
        var contributions: [FieldContribution] = []
        for field in MatchField.allCases {
            let level = v[field]
            if level == ComparisonVector.missing {
                contributions.append(FieldContribution(field: field, level: nil, bits: 0, termFrequency: false))
            } else {
                let (b, tf) = bits(field, level: level, nameFrequency: nameFrequency, addressFrequency: addressFrequency)
                contributions.append(FieldContribution(field: field, level: field.levels[Int(level)], bits: b, termFrequency: tf))
            }
        }
        var s = PairScore(priorBits: priorBits, contributions: contributions, heldBack: nil, probability: 0)
        s.probability = PairScore.probability(weight: s.weight)
        return s
    }
}
