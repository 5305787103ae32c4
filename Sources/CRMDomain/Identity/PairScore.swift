import CRMJSON
import Foundation

/// What one field added to a pair's match weight: the waterfall an operator reads.
public struct FieldContribution: Sendable, Equatable {
    public var field: MatchField
    /// The level reached, or nil when either record lacks the field (no evidence, 0 bits).
    public var level: String?
    /// log2(m/u): positive for agreement more likely among matches, negative for disagreement.
    public var bits: Double
    /// Whether `u` was the name's own frequency (a common name is weaker evidence) rather than the level's.
    public var termFrequency: Bool

    public init(field: MatchField, level: String?, bits: Double, termFrequency: Bool) {
        self.field = field
        self.level = level
        self.bits = bits
        self.termFrequency = termFrequency
    }
}

/// A pair of records scored by a `MatchModel`: the match weight (log2 odds), the probability that
/// they are one person, and what each field contributed.
public struct PairScore: Sendable, Equatable {
    /// The model's prior, log2(λ / (1 − λ)), where the waterfall starts.
    public var priorBits: Double
    public var contributions: [FieldContribution]
    /// Why the probability was held below auto-merge (`different phones`), if it was.
    public var heldBack: String?
    /// The probability after any hold: what thresholds compare.
    public var probability: Double

    /// priorBits + Σ contributions.
    public var weight: Double { priorBits + contributions.reduce(0) { $0 + $1.bits } }

    /// 2^w / (1 + 2^w), computed without overflow for large weights.
    public static func probability(weight: Double) -> Double {
        weight >= 0 ? 1 / (1 + exp2(-weight)) : exp2(weight) / (1 + exp2(weight))
    }

    /// The evidence a merge record or review item keeps: model version, probability, weight and the
    /// waterfall (bits rounded to hundredths).
    public func evidence(modelVersion: Int64) -> JSONObject {
        var fields: JSONObject = [:]
        for c in contributions where c.level != nil {
            var entry: JSONObject = ["level": .string(c.level!), "bits": .double(Self.hundredths(c.bits))]
            if c.termFrequency { entry["term_frequency"] = .bool(true) }
            fields[c.field.rawValue] = .object(entry)
        }
        var out: JSONObject = [
            "model_version": .int(modelVersion), "probability": .double((probability * 1_000_000).rounded(.down) / 1_000_000),
            "weight": .double(Self.hundredths(weight)), "prior_bits": .double(Self.hundredths(priorBits)), "fields": .object(fields),
        ]
        if let heldBack { out["held_back"] = .string(heldBack) }
        return out
    }

    static func hundredths(_ x: Double) -> Double { (x * 100).rounded() / 100 }
}
