/// What the segment rules (RFM bands, the contribution pyramid, purchase groups, lifecycle stages)
/// read of one member: its purchases (paid orders not wholly refunded) up to the evaluation time.
/// "The window" is the RFM window (`RFMBands.windowDays`) ending at that time.
public struct MemberMeasures: Sendable, Equatable {
    /// Purchases in the window.
    public var purchasesInWindow: Int64
    /// Purchases ever.
    public var purchasesEver: Int64
    /// Spend (fen, net of refunds) in the window.
    public var spendInWindowFen: Int64
    /// Elapsed days (fractional) from the first purchase to the evaluation time; nil: never bought.
    public var daysSinceFirst: Double?
    /// Elapsed days (fractional) from the last purchase to the evaluation time; nil: never bought.
    public var daysSinceLast: Double?

    public init(
        purchasesInWindow: Int64 = 0, purchasesEver: Int64 = 0, spendInWindowFen: Int64 = 0,
        daysSinceFirst: Double? = nil, daysSinceLast: Double? = nil
    ) {
        self.purchasesInWindow = purchasesInWindow
        self.purchasesEver = purchasesEver
        self.spendInWindowFen = spendInWindowFen
        self.daysSinceFirst = daysSinceFirst
        self.daysSinceLast = daysSinceLast
    }

    /// One of the measures, named so that a rule can be written as data.
    public enum Name: Sendable, Hashable, CaseIterable {
        case purchasesInWindow, purchasesEver, spendInWindowFen, daysSinceFirst, daysSinceLast
    }

    /// A count or an amount measure (never nil).
    func integer(_ name: Name) -> Int64? {
        switch name {
        case .purchasesInWindow: purchasesInWindow
        case .purchasesEver: purchasesEver
        case .spendInWindowFen: spendInWindowFen
        case .daysSinceFirst, .daysSinceLast: nil
        }
    }

    /// A days measure (nil for a member who never bought, and for the other measures).
    func days(_ name: Name) -> Double? {
        switch name {
        case .daysSinceFirst: daysSinceFirst
        case .daysSinceLast: daysSinceLast
        case .purchasesInWindow, .purchasesEver, .spendInWindowFen: nil
        }
    }
}
