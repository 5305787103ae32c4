/// Purchase-count groups: 3+ purchases in the last year; 2; 1; 2+ ever but none in the last year;
/// 1 ever and none in the last year; never bought.
public enum PurchaseGroup: String, Sendable, CaseIterable {
    case threePlus = "3+_in_year", two = "2_in_year", one = "1_in_year"
    case lapsedRepeat = "2+_ever_none_in_year", lapsedOnce = "1_ever_none_in_year", never

    public static func of(inWindow: Int64, ever: Int64) -> PurchaseGroup {
        if inWindow >= 3 { return .threePlus }
        if inWindow == 2 { return .two }
        if inWindow == 1 { return .one }
        if ever >= 2 { return .lapsedRepeat }
        if ever == 1 { return .lapsedOnce }
        return .never
    }
}
