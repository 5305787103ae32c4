import CRMDomain
import Foundation
import Testing

/// An exact address is weighed by how many other members live there, as a name is by how many carry
/// it, and records at one address meet through the `ad` blocking rule whatever their names.
@Suite("an address's own frequency")
struct AddressFrequencyTests {
    func person(_ name: String?, _ birthday: String?, _ address: String?) -> PersonFields {
        PersonFields(name: name, birthday: birthday, address: address, region: "上海", phone: nil, forms: PlainForms())
    }

    let home = "上海市浦东新区世纪大道100号3栋1201室"

    @Test("an address no one else holds is stronger evidence than one a household shares; the waterfall says so")
    func householdAddress() {
        let model = MatchModelTests.trained()
        let v = FieldComparison.compare(person("王小明", nil, home), person("王小明", nil, home))
        #expect(v[.address] == 0)
        let alone = AddressFrequency.estimate(holders: 0, candidateHolders: 0, accounts: 30_000, model: model)
        let family = AddressFrequency.estimate(holders: 3, candidateHolders: 0, accounts: 30_000, model: model)
        let average = model.score(v)
        let rare = model.score(v, addressFrequency: alone)
        let shared = model.score(v, addressFrequency: family)
        #expect(shared.weight < rare.weight)
        #expect(average.weight < rare.weight)
        let step = rare.contributions[MatchField.address.index]
        #expect(step.level == "exact" && step.termFrequency)
        #expect(rare.evidence(modelVersion: 1)["fields"]?["address"]?["term_frequency"]?.boolValue == true)
        // The rarest address counts at most as much more than the average one as the rarest name does.
        let rarest = model.score(v, addressFrequency: 1e-12)
        #expect(rarest.weight - average.weight <= log2(EMTrainer.rareNameFactor) + 1e-9)
    }

    @Test("the candidate's own accounts at the address are left out of its frequency")
    func candidateLeftOut() {
        let model = MatchModelTests.trained()
        let own = AddressFrequency.estimate(holders: 2, candidateHolders: 2, accounts: 30_000, model: model)
        #expect(own == AddressFrequency.estimate(holders: 0, candidateHolders: 0, accounts: 30_000, model: model))
        #expect(own < AddressFrequency.estimate(holders: 2, candidateHolders: 0, accounts: 30_000, model: model))
    }

    @Test("only an exact address takes its frequency; the untrained model lets it only weaken")
    func onlyExact() {
        let model = MatchModelTests.trained()
        let near = FieldComparison.compare(person("王小明", nil, home), person("王小明", nil, home + "B"))
        #expect(near[.address] == 1)
        #expect(model.score(near, addressFrequency: 1e-9) == model.score(near))
        let v = FieldComparison.compare(person("王小明", nil, home), person("王小明", nil, home))
        let untrained = MatchModel.untrained
        #expect(untrained.score(v, addressFrequency: 1e-9).weight <= untrained.score(v).weight + 1e-9)
        #expect(untrained.score(v, addressFrequency: 0.5).weight < untrained.score(v).weight)
    }

    @Test("a record without surname and birthday meets the full record at its address (rule ad)")
    func addressRule() {
        let full = person("王小明", "1990-05-17", home)
        let partial = person("小明", nil, home)
        let shared = Set(full.blockingKeys).intersection(partial.blockingKeys)
        #expect(shared == ["ad:" + full.addressFolded])
        #expect(BlockingRule(key: shared.first!) == .address)
        #expect(BlockingRule.address.fields == [.address, .region])
        // Too short to say where someone lives: no key.
        #expect(person("王小明", nil, "上海").addressFrequencyKey == nil)
    }
}
