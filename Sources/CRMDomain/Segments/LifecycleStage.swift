/// Where a member stands by time since purchases (生命週期). `prospect` is a member who never bought.
public enum LifecycleStage: String, Sendable, CaseIterable {
    /// First purchase recent (蜜月期).
    case new
    /// Bought within the active threshold (活躍期).
    case active
    /// 沉默期
    case silent
    /// 睡眠期
    case sleeping
    /// 流失期
    case churned
    /// Never bought (outside the five stages).
    case prospect
}
