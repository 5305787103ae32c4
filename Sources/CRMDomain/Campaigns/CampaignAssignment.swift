/// Which arm each member of a campaign is in: drawn at random but reproducibly, from the campaign's
/// seed and the member's id alone, so the same campaign always splits the same members the same way
/// (a relaunch, a resumed launch, a later wave or an audit all agree), and the control group's share
/// is the holdout percent on average.
public enum CampaignAssignment {
    /// The arm of `member`: `CampaignPlan.control` or a variant's name.
    public static func arm(member: Int64, seed: Int64, plan: CampaignPlan) -> String {
        precondition(!plan.variants.isEmpty, "a campaign has variants")
        let draw = mix(UInt64(bitPattern: seed) ^ mix(UInt64(bitPattern: member)))
        if draw % 10_000 < UInt64(plan.holdoutPercent) * 100 { return CampaignPlan.control }
        let total = UInt64(plan.variants.reduce(0) { $0 + $1.weight })
        var pick = mix(draw ^ 0x9E37_79B9_7F4A_7C15) % total
        for v in plan.variants {
            if pick < UInt64(v.weight) { return v.name }
            pick -= UInt64(v.weight)
        }
        preconditionFailure("the pick falls within the total weight")
    }

    static func mix(_ value: UInt64) -> UInt64 { SplitMix64.mix(value) }
}
