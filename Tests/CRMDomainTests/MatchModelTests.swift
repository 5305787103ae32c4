import CRMDomain
import CRMJSON
import Foundation
import Testing

@Suite("the match model")
struct MatchModelTests {
    let policy = IdentityPolicy.probabilistic

    func person(_ name: String?, _ birthday: String?, _ address: String?, region: String? = "上海", phone: String? = nil) -> PersonFields {
        PersonFields(name: name, birthday: birthday, address: address, region: region, phone: phone, forms: PlainForms())
    }

    func decide(_ a: PersonFields, _ b: PersonFields, model: MatchModel = .untrained, frequency: Double? = nil) -> (MatchDecision, PairScore) {
        MatchDecision.decide(model.score(FieldComparison.compare(a, b), nameFrequency: frequency), a, b, policy: policy)
    }

    @Test("each field reaches the level its difference deserves")
    func levels() {
        let base = person("wang xiaoming", "1990-05-17", "上海市浦东新区世纪大道100号")
        func level(_ other: PersonFields, _ field: MatchField) -> String? {
            let v = FieldComparison.compare(base, other)[field]
            return v == ComparisonVector.missing ? nil : field.levels[Int(v)]
        }
        #expect(level(person("Wang  Xiaoming", nil, nil), .name) == "exact")
        #expect(level(person("xiaoming wang", nil, nil), .name) == "swapped")
        #expect(level(person("xiaoming", nil, nil), .name) == "partial")
        #expect(level(person("wang xiaomin", nil, nil), .name) == "one_edit")
        #expect(level(person("wang xiaoning", nil, nil), .name) == "one_edit")
        #expect(level(person("wang xiaomign", nil, nil), .name) == "one_edit")
        #expect(level(person("wang xioamnig", nil, nil), .name) == "similar")
        #expect(level(person("li meihua", nil, nil), .name) == "different")
        #expect(level(person(nil, "1990-05-17", nil), .name) == nil)
        #expect(level(person(nil, "1990-05-17", nil), .birthday) == "exact")
        #expect(level(person(nil, "1990-17-05", nil), .birthday) == "day_month_swapped")
        #expect(level(person(nil, "1990-05-18", nil), .birthday) == "one_digit")
        #expect(level(person(nil, "1991-05-18", nil), .birthday) == "different")
        #expect(level(person(nil, nil, "上海市浦东新区世纪大道100号1201室"), .address) == "near")
        #expect(level(person(nil, nil, "上海市浦东新区世纪大道200号"), .address) == "near")
        #expect(level(person(nil, nil, "上海市徐汇区漕溪北路100号"), .address) == "weak")
        #expect(level(person(nil, nil, "北京市朝阳区建国路88号"), .address) == "different")
        #expect(level(person(nil, nil, nil, phone: "+8613800138000"), .phone) == nil)
    }

    @Test("untrained: auto-merge needs an exact name and birthday and a near address; one flaw goes to review")
    func untrained() {
        let a = person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号")
        #expect(decide(a, person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号1201室")).0 == .merge)
        #expect(decide(a, person("王小名", "1990-05-17", "上海市浦东新区世纪大道100号")).0 == .review)
        #expect(decide(a, person("王小明", "1990-05-17", nil)).0 == .review)
        #expect(decide(a, person("王小明", "1990-05-18", "上海市浦东新区世纪大道100号")).0 == .review)
        // A family: same address and phone, another name and birthday.
        let family = decide(
            person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号", phone: "+8613900000001"),
            person("王美华", "1962-11-02", "上海市浦东新区世纪大道100号", phone: "+8613900000001"))
        #expect(family.0 == .none)
        #expect(family.1.probability < 0.5)
    }

    @Test("different phones never merge by themselves, however alike the rest")
    func differentPhones() {
        let (decision, score) = decide(
            person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号", phone: "+8613800138000"),
            person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号", phone: "+8613800138001"))
        #expect(decision == .review)
        #expect(score.heldBack == "different phones")
        #expect(score.probability < policy.autoMergeThreshold)
    }

    @Test("agreeing on a common name is weaker evidence than on a rare one")
    func termFrequency() {
        let model = Self.trained()
        let v = FieldComparison.compare(person("张伟", "1990-05-17", nil), person("张伟", "1990-05-17", nil))
        let common = model.score(v, nameFrequency: 0.01)
        let rare = model.score(v, nameFrequency: 0.000_001)
        let average = model.score(v)
        #expect(common.weight < average.weight)
        #expect(average.weight < rare.weight)
        #expect(common.contributions[MatchField.name.index].termFrequency)
        // The rarest name counts at most `rareNameFactor` times the level's u.
        #expect(rare.weight - average.weight <= log2(EMTrainer.rareNameFactor) + 1e-9)
    }

    @Test("a model survives its JSON; a broken one is refused with the reason")
    func json() throws {
        let model = Self.trained()
        #expect(try MatchModel(json: model.json) == model)
        var broken = model.json
        broken["prior"] = .double(1.5)
        #expect(throws: MatchModelError.self) { try MatchModel(json: broken) }
        broken = model.json
        broken["fields"] = .object([:])
        #expect(throws: MatchModelError.self) { try MatchModel(json: broken) }
    }

    @Test("EM recovers the parameters a sample was drawn from, the same way every time")
    func expectationMaximisation() {
        let (sample, share) = Self.sample(seed: 7)
        let (first, report) = EMTrainer.train(sample, version: 1)
        let (second, _) = EMTrainer.train(Self.sample(seed: 7).0, version: 1)
        #expect(first == second)
        #expect(report.runs.first?.converged == true)
        let truth = MatchModel.untrained
        // m of the levels that carry most matches, and the share of matches among blocked pairs.
        #expect(abs(first.m[MatchField.name.index][0] - truth.m[MatchField.name.index][0]) < 0.05)
        #expect(abs(first.m[MatchField.birthday.index][0] - truth.m[MatchField.birthday.index][0]) < 0.05)
        #expect(abs(first.m[MatchField.address.index][0] - truth.m[MatchField.address.index][0]) < 0.05)
        #expect(abs(report.blockedPrior - share) < 0.02)
        // 10,000 blocked pairs from 10,000 sampled accounts among 30,000: one pair per account.
        #expect(abs(first.prior / (share / 29_999) - 1) < 0.05)
        #expect(abs(first.u[MatchField.birthday.index][0] - truth.u[MatchField.birthday.index][0]) < 0.005)
    }

    /// A model trained on `sample(seed: 1)`.
    static func trained() -> MatchModel { EMTrainer.train(sample(seed: 1).0, version: 1).0 }

    /// Comparison patterns drawn from the untrained model's m (matches) and u (non-matches): 20,000
    /// random pairs, and 10,000 blocked pairs, drawn a fifth from matches, kept when rule `bd`
    /// (birthday) or `nm` (name) finds them; with the share of matches among the pairs kept.
    static func sample(seed: UInt64) -> (TrainingSample, Double) {
        var rng = SplitMix64(seed: seed)
        let model = MatchModel.untrained
        func draw(_ p: [[Double]]) -> ComparisonVector {
            ComparisonVector(
                levels: MatchField.allCases.map { f in
                    if f == .phone, Double.random(in: 0..<1, using: &rng) < 0.7 { return ComparisonVector.missing }
                    var x = Double.random(in: 0..<1, using: &rng)
                    for (i, q) in p[f.index].enumerated() {
                        if x < q { return Int8(i) }
                        x -= q
                    }
                    return Int8(p[f.index].count - 1)
                })
        }
        var sample = TrainingSample()
        for _ in 0..<20_000 { sample.addRandom(draw(model.u)) }
        var blocked = 0, matches = 0
        while blocked < 10_000 {
            let match = Double.random(in: 0..<1, using: &rng) < 0.2
            let v = draw(match ? model.m : model.u)
            var rules: UInt8 = 0
            if v[.birthday] == 0 { rules |= BlockingRule.birthday.bit }
            if v[.name] == 0 { rules |= BlockingRule.name.bit }
            guard rules != 0 else { continue }
            sample.addBlocked(v, rules: rules)
            blocked += 1
            if match { matches += 1 }
        }
        sample.accounts = 30_000
        sample.sampledAccounts = 10_000
        return (sample, Double(matches) / Double(blocked))
    }
}

extension IdentityPolicy {
    /// The default policy with the probability thresholds the match model is meant for.
    static var probabilistic: IdentityPolicy {
        var p = IdentityPolicy()
        p.autoMergeThreshold = 0.999
        p.reviewThreshold = 0.9
        return p
    }
}
