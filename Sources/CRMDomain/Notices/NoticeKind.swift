/// What a member notice is about. Service notices (about the member's own account) may be sent
/// through any channel the member can be reached on; marketing notices only through channels the
/// member consented to (`marketing_consent`).
public enum NoticeKind: String, Sendable, CaseIterable {
    case levelUp = "level_up"
    case levelDown = "level_down"
    case pointsExpiring = "points_expiring"
    case couponIssued = "coupon_issued"
    case couponExpiring = "coupon_expiring"
    case referralReward = "referral_reward"
    case birthdayGift = "birthday_gift"
    /// A campaign's message (docs/campaigns.md).
    case campaign

    /// Whether a notice of this kind is marketing unless its writer says otherwise (a coupon
    /// issued to a segment is; one issued for an order is the order's receipt).
    public var marketingByDefault: Bool {
        switch self {
        case .levelUp, .levelDown, .pointsExpiring, .referralReward: false
        case .couponIssued, .couponExpiring, .birthdayGift, .campaign: true
        }
    }
}
