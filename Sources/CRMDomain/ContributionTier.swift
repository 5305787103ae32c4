/// The contribution pyramid (貢獻值金字塔) over the last year: ≥3 purchases and an average order
/// over ¥300 at the top; 2 purchases averaging ¥200–300; 1 purchase of ¥100–200; 1 purchase under
/// ¥100; everyone else (no purchase in the year, or outside every tier) is `other`.
public enum ContributionTier: String, Sendable, CaseIterable {
    case top, second, third, bottom, other

    /// The tier of a member from purchases and spend (fen) in the window. Average orders are
    /// compared exactly (spend against count × bound), never through division.
    public static func of(purchases n: Int64, spendFen s: Int64) -> ContributionTier {
        if n >= 3 && s > 30_000 * n { return .top }
        if n == 2 && s >= 20_000 * n && s <= 30_000 * n { return .second }
        if n == 1 && s >= 10_000 && s <= 20_000 { return .third }
        if n == 1 && s < 10_000 { return .bottom }
        return .other
    }
}
