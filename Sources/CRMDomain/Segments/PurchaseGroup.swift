/// Purchase-count groups: 3+ purchases in the last year; 2; 1; 2+ ever but none in the last year;
/// 1 ever and none in the last year; never bought.
public enum PurchaseGroup: String, Sendable, CaseIterable {
    case threePlus = "3+_in_year", two = "2_in_year", one = "1_in_year"
    case lapsedRepeat = "2+_ever_none_in_year", lapsedOnce = "1_ever_none_in_year", never

    /// The groups as a rule, tried in this order. Reports run it in SQL made from this value.
    public static let rule = Placement<PurchaseGroup>(
        [
            (.compare(.purchasesInWindow, .atLeast, 3), .threePlus), (.compare(.purchasesInWindow, .equal, 2), .two),
            (.compare(.purchasesInWindow, .equal, 1), .one), (.compare(.purchasesEver, .atLeast, 2), .lapsedRepeat),
            (.compare(.purchasesEver, .equal, 1), .lapsedOnce),
        ], otherwise: .never)

    public static func of(inWindow: Int64, ever: Int64) -> PurchaseGroup {
        rule.place(MemberMeasures(purchasesInWindow: inWindow, purchasesEver: ever))
    }
}
