/// How a treated arm responded against the control group: response rates, the uplift (difference
/// of the rates) with its 95 % confidence interval (normal approximation of the difference of two
/// proportions), and the orders and GMV the treatment added beyond what the control group's rate
/// says would have come anyway (剔除自然增長因素). Rates are statistics, not money: Double here,
/// printed to four places; money stays in fen.
public struct ResponseComparison: Sendable, Equatable {
    /// Members of an arm on an occasion, those who responded, and their orders and spend in the window.
    public struct Arm: Sendable, Equatable {
        public var members: Int64
        public var responders: Int64
        public var orders: Int64
        public var gmvFen: Int64

        public init(members: Int64, responders: Int64, orders: Int64 = 0, gmvFen: Int64 = 0) {
            precondition(members >= 0 && responders >= 0 && responders <= members, "responders are some of the members")
            self.members = members
            self.responders = responders
            self.orders = orders
            self.gmvFen = gmvFen
        }

        /// Responders / members; nil for an empty arm.
        public var rate: Double? { members == 0 ? nil : Double(responders) / Double(members) }
    }

    public var treated: Arm
    public var control: Arm

    public init(treated: Arm, control: Arm) {
        self.treated = treated
        self.control = control
    }

    /// The 97.5th percentile of the standard normal distribution.
    static let z95 = 1.959_963_984_540_054

    /// Uplift (treated rate − control rate) and its 95 % interval; nil when an arm is empty.
    public var uplift: (value: Double, low: Double, high: Double)? {
        guard let pt = treated.rate, let pc = control.rate else { return nil }
        let se = (pt * (1 - pt) / Double(treated.members) + pc * (1 - pc) / Double(control.members)).squareRoot()
        let d = pt - pc
        return (d, d - Self.z95 * se, d + Self.z95 * se)
    }

    /// Orders beyond those the treated members would have placed at the control group's rate
    /// (control orders per member × treated members), rounded to the nearest order; nil without a control group.
    public var incrementalOrders: Int64? {
        guard control.members > 0 else { return nil }
        return treated.orders - Self.scaled(control.orders, treated.members, control.members)
    }

    /// GMV (fen) beyond the control group's GMV per member × treated members; nil without a control group.
    public var incrementalGMVFen: Int64? {
        guard control.members > 0 else { return nil }
        return treated.gmvFen - Self.scaled(control.gmvFen, treated.members, control.members)
    }

    /// `value × numerator / denominator`, rounded half up, without overflowing on large values.
    static func scaled(_ value: Int64, _ numerator: Int64, _ denominator: Int64) -> Int64 {
        precondition(denominator > 0 && numerator >= 0 && value >= 0, "scaling non-negative amounts by a positive ratio")
        let (q, r) = value.quotientAndRemainder(dividingBy: denominator)
        return q * numerator + (r * numerator + denominator / 2) / denominator
    }
}
