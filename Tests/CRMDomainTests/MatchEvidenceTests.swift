import CRMDomain
import Foundation
import Testing

/// What the model counts once: a move to another province is one piece of evidence (the region),
/// not two; random pairs give `u` without the one-person pairs among them; a field that is all a
/// blocking rule leaves to compare does not set its own `m`.
@Suite("the match model counts each piece of evidence once")
struct MatchEvidenceTests {
    func person(_ name: String?, _ birthday: String?, _ address: String?, region: String? = "上海") -> PersonFields {
        PersonFields(name: name, birthday: birthday, address: address, region: region, phone: nil, forms: PlainForms())
    }

    @Test("addresses in two regions are not compared: the region already says they differ, and the waterfall shows no address step")
    func addressAfterRegion() {
        let shanghai = person("王小明", "1990-05-17", "上海市浦东新区世纪大道100号")
        let moved = person("王小明", "1990-05-17", "北京市朝阳区建国路88号", region: "北京")
        let v = FieldComparison.compare(shanghai, moved)
        #expect(v[.region] == 1)
        #expect(v[.address] == ComparisonVector.missing)
        let score = MatchModel.untrained.score(v)
        #expect(score.contributions[MatchField.address.index].level == nil)
        #expect(score.contributions[MatchField.address.index].bits == 0)
        #expect(score.contributions[MatchField.region.index].level == "different")
        // In one region, or without a region on one side, the addresses are compared as before.
        let nearby = person("王小明", "1990-05-17", "上海市徐汇区漕溪北路100号")
        #expect(FieldComparison.compare(shanghai, nearby)[.address] != ComparisonVector.missing)
        #expect(FieldComparison.compare(shanghai, person("王小明", nil, "北京市朝阳区建国路88号", region: nil))[.address] == 4)
    }

    @Test("u of a level rare among strangers is what strangers share, not the one-person pairs among the random pairs")
    func uWithoutMatches() {
        var rng = SplitMix64(seed: 11)
        let truth = Self.truth
        var sample = TrainingSample()
        // One random pair in 200 is one person, as the blocked pairs below imply.
        for _ in 0..<100_000 { sample.addRandom(Self.draw(Double.random(in: 0..<1, using: &rng) < 0.005 ? truth.m : truth.u, &rng)) }
        var matches = 0
        for i in 0..<10_000 {
            let match = i % 2 == 0
            if match { matches += 1 }
            sample.addBlocked(Self.draw(match ? truth.m : truth.u, &rng), rules: BlockingRule.name.bit)
        }
        // 5,000 matches among 10,000 blocked pairs of 10,000 sampled accounts out of 101: λ = 0.5 / 100.
        sample.accounts = 101
        sample.sampledAccounts = 10_000
        let (model, _) = EMTrainer.train(sample, version: 1)
        let bd = MatchField.birthday.index
        let raw = Double(sample.random.filter { $0.key[.birthday] == 0 }.values.reduce(0, +)) / 100_000
        #expect(raw > 5 * truth.u[bd][0], "the random pairs' own share is mostly one-person pairs")
        #expect(model.u[bd][0] < 1.6 * truth.u[bd][0])
        #expect(model.u[bd][0] > 0.5 * truth.u[bd][0])
        #expect(abs(model.prior / 0.005 - 1) < 0.1)
    }

    @Test("a field that is all a blocking rule leaves to compare does not set its own m (a family found by surname and address)")
    func uncorroboratedRule() {
        var rng = SplitMix64(seed: 5)
        let truth = Self.truth
        var sample = TrainingSample()
        for _ in 0..<20_000 { sample.addRandom(Self.draw(truth.u, &rng)) }
        for i in 0..<10_000 {
            sample.addBlocked(Self.draw(i % 5 == 0 ? truth.m : truth.u, &rng), rules: BlockingRule.name.bit)
        }
        // Families: strangers at one address with one surname, found by `sa`, no region on file: the
        // birthday is all that is left to compare, and it differs.
        let family = ComparisonVector(levels: [0, 3, 0, ComparisonVector.missing, ComparisonVector.missing])
        for _ in 0..<4_000 { sample.addBlocked(family, rules: BlockingRule.surnameAndAddress.bit) }
        sample.accounts = 30_000
        sample.sampledAccounts = 14_000
        let (model, report) = EMTrainer.train(sample, version: 1)
        #expect(report.runs.contains { $0.rule == BlockingRule.surnameAndAddress.rawValue })
        let bd = MatchField.birthday.index
        #expect(abs(model.m[bd][3] - truth.m[bd][3]) < 0.03, "m of a different birthday: \(model.m[bd][3])")
        #expect(abs(model.m[bd][0] - truth.m[bd][0]) < 0.05)
    }

    @Test("a name only the candidate holds is a rare name: the candidate's own accounts are left out of its frequency")
    func nameFrequencyLeavesOutCandidate() {
        // A trained model (the untrained one never lets a name count more than its level's average).
        let model = MatchModelTests.trained()
        let v = FieldComparison.compare(person("诸葛明月", "1990-05-17", nil), person("诸葛明月", "1990-05-17", nil))
        // 30,000 accounts; three hold the name, all of them the candidate's (one person's records).
        let own = NameFrequency.estimate(holders: 3, candidateHolders: 3, accounts: 30_000, model: model)
        let counted = NameFrequency.estimate(holders: 3, accounts: 30_000, model: model)
        #expect(own == NameFrequency.estimate(holders: 0, accounts: 30_000, model: model))
        #expect(own < counted)
        #expect(model.score(v, nameFrequency: own).weight > model.score(v, nameFrequency: counted).weight)
        // Others holding it still count: a name shared with strangers stays as common as they make it.
        #expect(
            NameFrequency.estimate(holders: 40, candidateHolders: 3, accounts: 30_000, model: model)
                == NameFrequency.estimate(holders: 37, accounts: 30_000, model: model))
        #expect(NameFrequency.estimate(holders: 2, candidateHolders: 3, accounts: 30_000, model: model) == own)
    }

    /// The parameters the samples are drawn from: the untrained model's, with an exact birthday rarer
    /// among strangers (a day in fourteen years).
    static var truth: (m: [[Double]], u: [[Double]]) {
        var u = MatchModel.untrained.u
        u[MatchField.birthday.index] = [0.0002, 0.00001, 0.001, 0.99879]
        return (MatchModel.untrained.m, u)
    }

    /// One comparison drawn level by level from `p` (phones missing).
    static func draw(_ p: [[Double]], _ rng: inout SplitMix64) -> ComparisonVector {
        ComparisonVector(
            levels: MatchField.allCases.map { f in
                if f == .phone { return ComparisonVector.missing }
                var x = Double.random(in: 0..<1, using: &rng)
                for (i, q) in p[f.index].enumerated() {
                    if x < q { return Int8(i) }
                    x -= q
                }
                return Int8(p[f.index].count - 1)
            })
    }
}
