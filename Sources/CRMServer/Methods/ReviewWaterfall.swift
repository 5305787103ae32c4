import CRMDomain
import CRMProtocol
import CRMStorage

/// `review.show`'s answer from a review item: the evidence the match model left in it (see
/// `PairScore.evidence`) read back as a waterfall, every field of the model in its order. It holds
/// comparison levels and bits, never a member's values, so showing it is not a read of personal data.
enum ReviewWaterfall {
    static func result(_ r: ReviewRecord) -> RPC.Review.Show.Result {
        let e = r.detail.objectValue ?? [:]
        let pair = [r.memberA, r.memberB].compactMap { $0 }.map { MemberID($0) }
        var result = RPC.Review.Show.Result(
            id: r.id, status: r.status, createdAt: r.createdAt, memberIDs: pair, probability: r.score ?? 0,
            heldBack: e["held_back"]?.stringValue)
        // An item queued before match models keeps the hand-weighted similarities: no waterfall.
        guard let version = e["model_version"]?.int64Value else { return result }
        let compared = e["fields"]?.objectValue ?? [:]
        result.modelVersion = version
        result.priorBits = e["prior_bits"]?.doubleValue
        result.weight = e["weight"]?.doubleValue
        result.fields = MatchField.allCases.map { field in
            let step = compared[field.rawValue]
            return .init(
                field: field.rawValue, level: step?["level"]?.stringValue, bits: step?["bits"]?.doubleValue ?? 0,
                termFrequency: step?["term_frequency"]?.boolValue)
        }
        return result
    }
}
