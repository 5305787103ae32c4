import CRMDomain
import CRMText

/// The audience conditions (`email_domain`, `gender`, `age`, `birthday`, `attribute`, `returns`,
/// `payment_methods`). Profile conditions read the member's row (personal fields through the
/// codec's SQL, `PersonalDataCodec.emailDomainSQL` / `birthDateSQL`) or its accounts' attributes;
/// returns are columns of a pass over the refunds; payment methods a column of the purchases' pass.
extension SegmentCompiler {
    mutating func audience(_ c: SegmentCondition) -> String {
        switch c {
        case .emailDomain(let domains):
            return "false /* lead's placeholder until helper audience converts it: \(texts(domains)) */"
        case .gender(let wanted):
            return "(\(genderOf("m.gender"))) = ANY(\(texts(wanted.map(\.rawValue))))"
        case .age(let r):
            return range("date_part('year', age(\(localDate()), \(birthDate())))", r)
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

    /// The member's birth date (NULL when none).
    private func birthDate() -> String { "NULL::date" }

    /// The evaluation time `$1` as the merchant's date.
    private mutating func localDate() -> String {
        "(($1::timestamptz AT TIME ZONE 'UTC') + \(binder.bind(.int(Int64(context.offsetMinutes))))::int * interval '1 minute')::date"
    }

    /// `female`, `male` or `unknown` for a gender text, by `Gender.spellings` (bound as parameters).
    private mutating func genderOf(_ column: String) -> String {
        let g = "lower(btrim(\(column), E' \\t\\r\\n\\u3000'))"
        let female = texts(Gender.female.spellings), male = texts(Gender.male.spellings)
        return "CASE WHEN \(g) = ANY(\(female)) THEN 'female' WHEN \(g) = ANY(\(male)) THEN 'male' ELSE 'unknown' END"
    }

    private mutating func birthday(_ match: BirthdayMatch) -> String {
        let born = birthDate()
        switch match {
        case .months(let months):
            return "extract(month FROM \(born))::int = ANY(\(binder.bind(.intArray(months.map { Int64($0) })))::int[])"
        case .thisMonth:
            return "extract(month FROM \(born)) = extract(month FROM \(localDate()))"
        case .days(let days):
            let list = texts(days.map(\.text))
            // Born on 29 February: 28 February in a year without a 29th (the evaluation date's year).
            let today = localDate()
            let leap = "extract(day FROM make_date(extract(year FROM \(today))::int, 3, 1) - 1) = 29"
            return "(to_char(\(born), 'MM-DD') = ANY(\(list)) OR (to_char(\(born), 'MM-DD') = '02-29' AND NOT \(leap) AND '02-28' = ANY(\(list))))"
        }
    }

    /// Any account of the member whose pushed `attributes` hold `name` equal to a value (or, for a
    /// list, an element equal to one): case ignored, Chinese scripts folded on both sides — the
    /// stored text at query time with the short table `ScriptFolder.translation` gives.
    private mutating func attribute(_ name: String, _ values: [String]) -> String {
        let wanted = values.map { ScriptFolder.shared.fold($0).lowercased() }
        let t = ScriptFolder.shared.translation(toward: wanted)
        let key = binder.bind(.text(name))
        let value = "a.attributes -> \(key)::text"
        return """
            m.id IN (SELECT a.member_id FROM account a
                     CROSS JOIN LATERAL jsonb_array_elements_text(CASE jsonb_typeof(\(value)) WHEN 'array' THEN \(value) ELSE jsonb_build_array(\(value)) END) e(v)
                     WHERE a.attributes ? \(key)::text
                       AND lower(translate(e.v, \(binder.bind(.text(t.from)))::text, \(binder.bind(.text(t.to)))::text)) = ANY(\(texts(wanted))))
            """
    }
}
