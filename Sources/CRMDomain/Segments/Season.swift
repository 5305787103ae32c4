/// The four seasons of the merchant's calendar (spring = March–May, …, winter = December–February).
public enum Season: String, Sendable, CaseIterable {
    case winter, spring, summer, autumn

    /// Position 0–3, the bit a season sets in a seasons mask.
    public var index: Int { Season.allCases.firstIndex(of: self)! }

    /// The season of a month 1–12.
    public static func of(month: Int) -> Season {
        precondition((1...12).contains(month), "a month is 1 to 12")
        return allCases[(month % 12) / 3]
    }

    /// The seasons present in a mask of `index` bits.
    public static func inMask(_ mask: Int) -> [Season] { allCases.filter { mask & (1 << $0.index) != 0 } }

    /// The mask of a set of seasons.
    public static func mask(_ seasons: [Season]) -> Int { seasons.reduce(0) { $0 | (1 << $1.index) } }
}
