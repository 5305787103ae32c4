/// Where a shop sells: the three channels of the contract.
public enum Channel: String, Sendable, CaseIterable, Codable {
    /// App or mini-program (手機端).
    case mobile
    /// Online shop.
    case web
    /// Group-buy and flash-sale platforms (團購 / 聚劃算).
    case groupBuy = "group_buy"
}
