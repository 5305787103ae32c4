/// One condition on a member. "Purchases" are paid orders not wholly refunded; spend is what was
/// paid less what was refunded. Windows (`withinDays`) end at the evaluation time; nil means ever.
public enum SegmentCondition: Sendable, Equatable {
    /// RFM bands (see `RFMBands`); an empty list accepts any band of that letter.
    case rfm(r: [Int], f: [Int], m: [Int])
    case purchases(ValueRange, withinDays: Int?)
    /// Spend in fen.
    case spend(ValueRange, withinDays: Int?)
    /// Days since the last purchase; members who never bought do not match.
    case lastPurchase(minDays: Int?, maxDays: Int?)
    /// Average order value in fen; members without purchases in the window do not match.
    case averageOrder(ValueRange, withinDays: Int?)
    /// Level codes held.
    case level([String])
    /// Spendable points balance.
    case points(ValueRange)
    /// Points expiring within the next `withinDays` days.
    case expiringPoints(ValueRange, withinDays: Int)
    case tags(TagMatch, [String])
    /// Bought in any of these channels.
    case channels([Channel], withinDays: Int?)
    /// Bought in any of these shops (codes).
    case shops([String], withinDays: Int?)
    /// Bought an item matching.
    case items(ItemMatch, withinDays: Int?)
    /// Region contains any of these.
    case region([String])
    /// Address contains any of these keywords (keyword groups are expanded when parsed).
    case address([String])
    /// First registration (or creation) on or after `from`, before `until` (merchant's dates).
    case registered(from: String?, until: String?)
    case lifecycle([LifecycleStage])
    /// Number of distinct seasons bought in, and seasons that must all be among them.
    case seasons(ValueRange, all: [Season], withinDays: Int?)
}
