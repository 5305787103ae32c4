import CRMDomain
import CRMJSON
import Testing

@Suite("a training sample kept as JSON between a training job's batches")
struct TrainingSampleJSONTests {
    @Test("round trip: the same counts back, the same text for the same sample, the same model trained from it")
    func roundTrip() throws {
        let (sample, _) = MatchModelTests.sample(seed: 3)
        var known = sample
        known.addKnown(ComparisonVector(levels: [0, 0, 1, -1, 0]))
        known.addKnown(ComparisonVector(levels: [2, -1, 0, 0, -1]))
        let text = JSONSerializer.canonicalObject(known.json)
        let back = try TrainingSample(json: try #require(try JSONParser.parse(text).objectValue))
        #expect(back == known)
        #expect(JSONSerializer.canonicalObject(back.json) == text)
        #expect(EMTrainer.train(back, version: 1).0 == EMTrainer.train(known, version: 1).0)
        // Collected in two halves and merged, as a job does batch after batch: the same sample.
        var halves = TrainingSample()
        halves.accounts = known.accounts
        var first = TrainingSample(), second = TrainingSample()
        for (i, (v, n)) in known.random.sorted(by: { $0.key.levels.lexicographicallyPrecedes($1.key.levels) }).enumerated() {
            for _ in 0..<n { if i % 2 == 0 { first.addRandom(v) } else { second.addRandom(v) } }
        }
        first.blocked = known.blocked
        first.known = known.known
        first.sampledAccounts = known.sampledAccounts
        halves.merge(try TrainingSample(json: first.json))
        halves.merge(try TrainingSample(json: second.json))
        #expect(halves == known)
    }

    @Test("an empty sample, and broken ones refused")
    func broken() throws {
        #expect(try TrainingSample(json: TrainingSample().json) == TrainingSample())
        var json = TrainingSample().json
        json["random"] = [[0, 0, 0, 0]]
        #expect(throws: TrainingSampleError.self) { try TrainingSample(json: json) }
        json["random"] = [[0, 0, 9, 0, 0, 1]]
        #expect(throws: TrainingSampleError.self) { try TrainingSample(json: json) }
        json["random"] = [[0, 0, 0, 0, 0, 0]]
        #expect(throws: TrainingSampleError.self) { try TrainingSample(json: json) }
        json = TrainingSample().json
        json["accounts"] = nil
        #expect(throws: TrainingSampleError.self) { try TrainingSample(json: json) }
    }
}
