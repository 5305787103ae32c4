import CRMDomain
import CRMJSON
import Foundation
import Testing

/// How soon a name's (an address's) own count outweighs the average one is estimated from the
/// merchant's data: the more the counts spread, the less weight the average gets.
@Suite("the weight of the average name, estimated from the counts")
struct FrequencyWeightTests {
    /// Holder counts of `accounts` sampled accounts drawn as `k(i)`.
    func counts(_ accounts: Int, _ k: (Int) -> Int) -> HolderCounts {
        var h = HolderCounts()
        for i in 0..<accounts { h.add(k(i)) }
        return h
    }

    @Test("counts that spread as if every name were equally common leave the average its full weight; spread counts, less")
    func spread() {
        // 20,000 accounts, each name held by one other account in ten: no name more common than another.
        let even = counts(5_000) { $0 % 10 == 0 ? 1 : 0 }
        #expect(EMTrainer.priorAccounts(even, accounts: 20_000) == NameFrequency.priorAccounts)
        // Most names held by no one else, a few by dozens: the counts say more than the average does.
        let spread = counts(5_000) { $0 % 100 == 0 ? 40 : 0 }
        let weight = EMTrainer.priorAccounts(spread, accounts: 20_000)
        #expect(weight < NameFrequency.priorAccounts / 10)
        #expect(weight >= 1)
        // Too few counts to tell: the default.
        #expect(EMTrainer.priorAccounts(counts(50) { $0 % 10 == 0 ? 40 : 0 }, accounts: 20_000) == NameFrequency.priorAccounts)
    }

    @Test("a model trained on spread counts makes a name no one else holds stronger evidence; its JSON keeps the weights")
    func trainedWeights() throws {
        var (sample, _) = MatchModelTests.sample(seed: 1)
        sample.nameHolders = counts(5_000) { $0 % 100 == 0 ? 40 : 0 }
        sample.addressHolders = counts(5_000) { $0 % 100 == 0 ? 10 : 0 }
        let (model, report) = EMTrainer.train(sample, version: 1)
        #expect(model.namePriorAccounts == report.namePriorAccounts)
        #expect(model.namePriorAccounts < NameFrequency.priorAccounts)
        #expect(model.addressPriorAccounts < NameFrequency.priorAccounts)
        let before = MatchModelTests.trained()
        #expect(before.namePriorAccounts == NameFrequency.priorAccounts)
        // At 30,000 accounts, a name no other account holds: rarer under the estimated weight.
        let alone = NameFrequency.estimate(holders: 0, accounts: 30_000, model: model)
        #expect(model.u == before.u)
        #expect(alone < NameFrequency.estimate(holders: 0, accounts: 30_000, model: before))
        let v = FieldComparison.compare(
            PersonFields(name: "诸葛明月", birthday: nil, address: nil, region: "上海", phone: nil, forms: PlainForms()),
            PersonFields(name: "诸葛明月", birthday: nil, address: nil, region: "上海", phone: nil, forms: PlainForms()))
        #expect(model.score(v, nameFrequency: alone).contributions[0].bits > model.score(v).contributions[0].bits)
        #expect(try MatchModel(json: model.json) == model)
        // A model stored before the weights were estimated reads with the weight it was used with.
        var old = model.json
        old["term_frequency_prior_accounts"] = nil
        #expect(try MatchModel(json: old).namePriorAccounts == NameFrequency.priorAccounts)
    }

    @Test("a training sample keeps its holder counts between batches; one stored before them has none")
    func sampleJSON() throws {
        var sample = TrainingSample()
        sample.accounts = 10
        sample.nameHolders.add(3)
        sample.addressHolders.add(0)
        let back = try TrainingSample(json: sample.json)
        #expect(back == sample)
        #expect(back.nameHolders == HolderCounts(accounts: 1, sum: 3, squares: 9))
        var old = sample.json
        old["name_holders"] = nil
        old["address_holders"] = nil
        #expect(try TrainingSample(json: old).nameHolders == HolderCounts())
        old["name_holders"] = .array([.int(1)])
        #expect(throws: TrainingSampleError.self) { try TrainingSample(json: old) }
    }
}
