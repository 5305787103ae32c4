/// An inclusive range of whole numbers (counts, fen, points); either end may be open.
public struct ValueRange: Sendable, Equatable {
    public var min: Int64?
    public var max: Int64?

    public init(min: Int64? = nil, max: Int64? = nil) {
        self.min = min
        self.max = max
    }

    public func contains(_ value: Int64) -> Bool {
        (min.map { value >= $0 } ?? true) && (max.map { value <= $0 } ?? true)
    }
}
