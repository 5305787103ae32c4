import CRMDomain

/// The audience conditions (`email_domain`, `gender`, `age`, `birthday`, `attribute`, `returns`,
/// `payment_methods`). Gender is plain on the member's row; the personal conditions compare blind
/// indexes (`SegmentCompiler+Personal`); returns are columns of a pass over the refunds; payment
/// methods a column of the purchases' pass.
extension SegmentCompiler {
    mutating func audience(_ c: SegmentCondition) -> String {
        switch c {
        case .emailDomain(let domains):
            return emailDomain(domains)
        case .gender(let wanted):
            return "(\(genderOf("m.gender"))) = ANY(\(texts(wanted.map(\.rawValue))))"
        case .age(let r):
            return age(r)
        case .birthday(let match):
            return birthday(match)
        case .attribute(let name, let values):
            return attribute(name, values)
        case .returns(let count, let amount, let days, let period):
            let w = window(days, period, column: "rf.refunded_at")
            let n = "COALESCE(\(refundColumn("count(*) FILTER (WHERE \(w))")), 0)"
            let sum = "COALESCE(\(refundColumn("sum(rf.amount_fen) FILTER (WHERE \(w))")), 0)"
            return range(n, count) + " AND " + range(sum, amount)
        case .paymentMethods(let methods, let days, let period):
            return "COALESCE(\(orderColumn("bool_or(lower(o.payment_method) = ANY(\(texts(methods))) AND \(window(days, period)))")), false)"
        default:
            preconditionFailure("not an audience condition: \(c)")
        }
    }

    /// `female`, `male` or `unknown` for a gender text, by `Gender.spellings` (bound as parameters).
    private mutating func genderOf(_ column: String) -> String {
        let g = "lower(btrim(\(column), E' \\t\\r\\n\\u3000'))"
        let female = texts(Gender.female.spellings), male = texts(Gender.male.spellings)
        return "CASE WHEN \(g) = ANY(\(female)) THEN 'female' WHEN \(g) = ANY(\(male)) THEN 'male' ELSE 'unknown' END"
    }
}
