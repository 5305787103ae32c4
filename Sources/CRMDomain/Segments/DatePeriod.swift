/// A fixed period of the merchant's dates (`YYYY-MM-DD`, in the merchant's time zone): from the
/// start of `from` (inclusive) to the start of `until` (exclusive); either end may be open. Used by
/// filter conditions instead of a `within_days` window, for a shop anniversary or a sale's days.
public struct DatePeriod: Sendable, Equatable {
    public var from: String?
    public var until: String?

    public init(from: String? = nil, until: String? = nil) {
        self.from = from
        self.until = until
    }
}
