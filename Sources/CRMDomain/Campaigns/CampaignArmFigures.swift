/// What one arm of a campaign (a variant, or the control group) did on one occasion or over all of
/// them, as the report counts it: who was in it, who responded and with what, what its coupons and
/// points cost. Several variants add up to the treated side (`+`). Money in fen, points in points.
public struct CampaignArmFigures: Sendable, Equatable {
    /// Members measured: those who could be touched (consent), whether they were touched, refused
    /// or out of budget (leaving those out would compare a chosen part of the arm with the whole
    /// control group); for the control group, those held out.
    public var members: Int64 = 0
    /// Touches carried out (over all occasions in a total: a member touched twice counts twice;
    /// a member merged away since still counts: the touch and its cost were real).
    public var touched: Int64 = 0
    /// The action was refused (coupon budget or limit, points limit).
    public var refused: Int64 = 0
    /// Left untouched because the campaign's budget of touches ran out.
    public var budget: Int64 = 0
    /// Left out: no marketing consent (in either arm, so both stay comparable).
    public var noConsent: Int64 = 0
    /// Left out: merged since into another member of the campaign, who counts for both.
    public var merged: Int64 = 0
    public var responders: Int64 = 0
    public var orders: Int64 = 0
    public var gmvFen: Int64 = 0
    /// GMV of members who had bought before the campaign started (old customers).
    public var oldCustomerGMVFen: Int64 = 0
    public var couponsIssued: Int64 = 0
    public var couponsRedeemed: Int64 = 0
    /// What the redeemed campaign coupons took off their orders.
    public var discountFen: Int64 = 0
    /// Points the campaign awarded.
    public var points: Int64 = 0

    public init() {}

    public static func + (a: Self, b: Self) -> Self {
        var s = a
        s.members += b.members
        s.touched += b.touched
        s.refused += b.refused
        s.budget += b.budget
        s.noConsent += b.noConsent
        s.merged += b.merged
        s.responders += b.responders
        s.orders += b.orders
        s.gmvFen += b.gmvFen
        s.oldCustomerGMVFen += b.oldCustomerGMVFen
        s.couponsIssued += b.couponsIssued
        s.couponsRedeemed += b.couponsRedeemed
        s.discountFen += b.discountFen
        s.points += b.points
        return s
    }

    /// Cost (fen): the redeemed coupons' discount plus the awarded points valued at
    /// `pointsPerYuan` points a yuan (rounded half up to the fen). Notices and touch lists cost
    /// nothing here: the gateway's price is not known to crmd.
    public func costFen(pointsPerYuan: Int64) -> Int64 {
        precondition(pointsPerYuan > 0, "points per yuan is positive")
        return discountFen + (points * 100 * 2 + pointsPerYuan) / (2 * pointsPerYuan)
    }

    /// The arm as `ResponseComparison` compares it.
    public var comparisonArm: ResponseComparison.Arm {
        ResponseComparison.Arm(members: members, responders: responders, orders: orders, gmvFen: gmvFen)
    }
}

/// How the campaign report writes its figures: fractions to four places, percentages to one,
/// ratios of money to two; computed in integers where the inputs are integers.
public enum CampaignFigureText {
    /// `part / whole` to four places rounded half up (`"0.2500"`); nil when `whole` is 0.
    public static func fraction(_ part: Int64, of whole: Int64) -> String? {
        guard whole > 0 else { return nil }
        return places(4, (part * 20_000 + whole) / (2 * whole))
    }

    /// A statistic (a difference of rates, a bound of its interval) to four places, signed.
    public static func fraction(_ value: Double) -> String {
        let units = Int64((value * 10_000).rounded())
        return (units < 0 ? "-" : "") + places(4, abs(units))
    }

    /// `part / whole` as a percentage to one place (`"62.5"`); `"0.0"` when `whole` is 0.
    public static func percent(_ part: Int64, of whole: Int64) -> String {
        guard whole > 0 else { return "0.0" }
        return places(1, (part * 2_000 + whole) / (2 * whole))
    }

    /// Yuan earned per yuan spent, `numerator / denominator` (both fen) to two places rounded half
    /// away from zero, signed; nil when nothing was spent.
    public static func ratio(_ numerator: Int64, per denominator: Int64) -> String? {
        guard denominator > 0 else { return nil }
        let hundredths = (abs(numerator) * 200 + denominator) / (2 * denominator)
        return (numerator < 0 && hundredths > 0 ? "-" : "") + places(2, hundredths)
    }

    /// `units` with `n` decimal places: places(4, 2500) = "0.2500".
    static func places(_ n: Int, _ units: Int64) -> String {
        var scale: Int64 = 1
        for _ in 0..<n { scale *= 10 }
        let fraction = String(units % scale)
        return "\(units / scale)." + String(repeating: "0", count: n - fraction.count) + fraction
    }
}
