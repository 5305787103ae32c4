/// The merchant's identity-resolution settings. Every number is a default the merchant changes
/// through configuration (`config.set identity`).
public struct IdentityPolicy: Sendable, Equatable {
    /// Key kinds strongest first. When two accounts share a weaker key but both carry a stronger
    /// key with different values, the weaker key does not merge them (it is flagged instead).
    public var keyPriority: [String] = ["phone", "email", "wechat_unionid", "alipay_user_id"]
    /// Normalised key values that never merge anyone (`phone:+8613800000000`, a shop's landline).
    public var blockedKeys: Set<IdentityKey> = []
    /// A key value on more accounts than this within one shop channel is shared (a family phone,
    /// a shop's own landline): it stops merging and is flagged. A person has one account per shop channel.
    public var maxAccountsPerKeyPerShopChannel: Int = 1
    /// A key value on more distinct accounts than this overall is shared too.
    public var maxAccountsPerKey: Int = 20
    /// Pairs that share no key merge by themselves when the match model gives them at least this
    /// probability of being one person.
    public var autoMergeThreshold: Double = 0.999
    /// Pairs at or above this probability (and below auto-merge) wait for an operator.
    public var reviewThreshold: Double = 0.9
    /// Channels most trusted first, for the golden record.
    public var channelTrust: [Channel] = [.web, .mobile, .groupBuy]
    /// Candidates examined per blocking key at most, so the cost per event stays flat.
    public var maxCandidatesPerBlock: Int = 50
    /// Candidates compared with one record at most, over all its blocking keys together (six rules
    /// of at most `maxCandidatesPerBlock` each could otherwise bring 300).
    public var maxCandidates: Int = 200

    public init() {}

    /// What is wrong with these settings, if anything.
    public func problems() -> [String] {
        var out: [String] = []
        if keyPriority.isEmpty { out.append("key_priority must name at least one key kind") }
        if Set(keyPriority).count != keyPriority.count { out.append("key_priority names a kind twice") }
        if maxAccountsPerKeyPerShopChannel < 1 { out.append("max_accounts_per_key_per_shop_channel must be at least 1") }
        if maxAccountsPerKey < 2 { out.append("max_accounts_per_key must be at least 2") }
        if !(autoMergeThreshold >= 0.5 && autoMergeThreshold < 1) { out.append("auto_merge_threshold must be a probability from 0.5 to below 1") }
        if !(reviewThreshold >= 0.5) || reviewThreshold > autoMergeThreshold {
            out.append("review_threshold must be a probability from 0.5 to auto_merge_threshold")
        }
        if Set(channelTrust).count != Channel.allCases.count { out.append("channel_trust must list each channel once") }
        if !(1...1_000).contains(maxCandidatesPerBlock) { out.append("max_candidates_per_block must be 1...1000") }
        if !(1...5_000).contains(maxCandidates) { out.append("max_candidates must be 1...5000") }
        return out
    }
}
