import CRMDomain

/// The segment rules (`Placement`, `MeasureTest`) rendered into the compiler's statement: the rule
/// is defined once in CRMDomain, and this is the SQL that reports and segments run for it. Each
/// measure is an aggregate column of the compiler's one pass over the purchases.
extension SegmentCompiler {
    /// How a rule's bounds enter the statement: as `$n` parameters (the merchant's settings that
    /// segments and reports share a statement shape for), or as literals (validated integers).
    enum Bounds {
        case parameters, literals
    }

    /// A rule placing members in numbered bands, as one `CASE`.
    mutating func render(_ rule: Placement<Int>, bounds: Bounds) -> String {
        render(rule, bounds: bounds) { String($0) }
    }

    /// A rule placing members in named groups (their raw values), as one `CASE` yielding text.
    mutating func render<R: RawRepresentable>(_ rule: Placement<R>, bounds: Bounds) -> String where R.RawValue == String {
        render(rule, bounds: bounds) { name in
            precondition(!name.rawValue.contains("'"), "group names are fixed identifiers")
            return "'\(name.rawValue)'"
        }
    }

    private mutating func render<R>(_ rule: Placement<R>, bounds: Bounds, result: (R) -> String) -> String {
        guard !rule.arms.isEmpty else { return result(rule.otherwise) }
        var arms: [String] = []
        for arm in rule.arms { arms.append("WHEN \(render(arm.test, bounds: bounds)) THEN \(result(arm.result))") }
        return "CASE \(arms.joined(separator: " ")) ELSE \(result(rule.otherwise)) END"
    }

    /// A test as a condition (NULL, like false, for a days comparison of a member who never bought).
    mutating func render(_ test: MeasureTest, bounds: Bounds) -> String {
        switch test {
        case .neverBought:
            return "\(lastPurchase()) IS NULL"
        case .compare(let name, let op, let bound):
            return "\(measure(name)) \(Self.sql(op)) \(self.bound(bound, bounds))"
        case .average(let op, let bound):
            let n = purchasesIn(context.rfm.windowDays), s = spendIn(context.rfm.windowDays)
            return "\(s) \(Self.sql(op)) \(self.bound(bound, bounds))::bigint * \(n)"
        case .all(let parts):
            return "(" + parts.map { render($0, bounds: bounds) }.joined(separator: " AND ") + ")"
        }
    }

    /// A measure as an SQL expression over the pass's columns.
    private mutating func measure(_ name: MemberMeasures.Name) -> String {
        switch name {
        case .purchasesInWindow: purchasesIn(context.rfm.windowDays)
        case .purchasesEver: purchasesIn(nil)
        case .spendInWindowFen: spendIn(context.rfm.windowDays)
        case .daysSinceFirst: daysSince(firstPurchase())
        case .daysSinceLast: daysSince(lastPurchase())
        }
    }

    private mutating func bound(_ value: Int64, _ bounds: Bounds) -> String {
        switch bounds {
        case .parameters: binder.bind(.int(value))
        case .literals: String(value)
        }
    }

    private static func sql(_ op: MeasureTest.Comparison) -> String {
        switch op {
        case .atMost: "<="
        case .below: "<"
        case .atLeast: ">="
        case .above: ">"
        case .equal: "="
        }
    }
}
