/// The level each field of a pair of records reached, as an index into `MatchField.levels`
/// (0 strongest), or `missing` when either record lacks the field: the pattern a `MatchModel` scores
/// and a training sample counts.
public struct ComparisonVector: Hashable, Sendable, CustomStringConvertible {
    /// The level index a missing field has.
    public static let missing: Int8 = -1

    /// One entry per `MatchField`, in its order.
    public var levels: [Int8]

    public init(levels: [Int8]) {
        precondition(levels.count == MatchField.allCases.count, "one level per field")
        for (field, level) in zip(MatchField.allCases, levels) {
            precondition(level == Self.missing || (0..<Int8(field.levels.count)).contains(level), "level out of range")
        }
        self.levels = levels
    }

    public subscript(field: MatchField) -> Int8 {
        get { levels[field.index] }
        set { levels[field.index] = newValue }
    }

    /// `name=exact birthday=- …`, for logs and test failures.
    public var description: String {
        MatchField.allCases.map { f in "\(f.rawValue)=\(self[f] == Self.missing ? "-" : f.levels[Int(self[f])])" }.joined(separator: " ")
    }

    /// The vector with `field` treated as missing (a known match's phone, which is how it was found).
    public func without(_ field: MatchField) -> ComparisonVector {
        var copy = self
        copy[field] = Self.missing
        return copy
    }
}
