import CRMDomain
import CRMPostgres

/// The conditions on sealed personal data (`email_domain`, `age`, `birthday`, `attribute`,
/// `address`), compiled into comparisons with the blind indexes written beside the sealed values
/// (docs/segments.md): the condition's values are hashed here with the same key and normalisation,
/// so the statement never sees a personal value and crmd decrypts nothing to evaluate it.
extension SegmentCompiler {
    /// The member's e-mail domain is one of `domains` (lower-case, without `@`).
    mutating func emailDomain(_ domains: [String]) -> String {
        let codec = context.codec
        let set = indexSet("email_domain", domains) { .textArray(domains.map { codec.index(kind: "email_domain", $0.lowercased()) }) }
        return "m.email_domain_bidx = ANY(\(set)::text[])"
    }

    /// The member's age in whole years on the evaluation date (the merchant's) is within `range`:
    /// the birth dates that give such an age, hashed.
    mutating func age(_ range: ValueRange) -> String {
        let today = evaluationDate
        return birthDates(["age", range.min.map(String.init) ?? "", range.max.map(String.init) ?? ""]) {
            BirthDateCandidates.selection(age: range, today: today)
        }
    }

    /// The member's birthday matches: the birth dates it accepts on the evaluation date, hashed.
    mutating func birthday(_ match: BirthdayMatch) -> String {
        let today = evaluationDate
        return birthDates(["birthday", "\(match)"]) { BirthDateCandidates.selection(match, today: today) }
    }

    /// Any account of the member whose pushed `attributes` hold `name` equal to one of `values` (or,
    /// for a list, an element equal to one): case ignored, Chinese scripts folded — the account's
    /// `attribute_hashes` hold one hash of each `name=value` so normalised.
    mutating func attribute(_ name: String, _ values: [String]) -> String {
        let codec = context.codec
        let set = indexSet("attribute", [name] + values) { .intArray(values.map { codec.attributeHash(name: name, value: $0) }) }
        return "m.id IN (SELECT a.member_id FROM account a WHERE a.attribute_hashes && \(set)::bigint[])"
    }

    /// The member's address contains one of `words`: each word's n-gram hashes (its characters and
    /// adjacent pairs, scripts folded, lower-cased) all among the address's `address_grams`. The
    /// pairs may sit apart in the address, so this can accept an address that lacks the word; it
    /// never rejects one that has it (docs/segments.md has the measurements behind this choice).
    mutating func addressKeywords(_ words: [String]) -> String {
        let codec = context.codec
        var parts: [String] = []
        for word in Set(words).sorted() {
            let grams = indexSet("address", [word]) { .intArray(codec.keywordGrams(word)) }
            parts.append("m.address_grams @> \(grams)::bigint[]")
        }
        return parts.isEmpty ? "false" : "(" + parts.joined(separator: " OR ") + ")"
    }

    /// `birthday_bidx` equal to one of the dates `select` makes, or, for the smaller side of a broad
    /// condition, a birthday not among them (hashed and bound once per `key`).
    private mutating func birthDates(_ key: [String], _ select: () -> BirthDateCandidates.Selection) -> String {
        let ring = context.codec.keys.keyring.blindIndex
        var negated = false
        let set = indexSet("birth_date", key) {
            let s = select()
            negated = s.negated
            return .textArray(s.dates.map { ring.value(kind: "birthday", $0) })
        }
        if negated || negatedSets.contains(set) {
            negatedSets.insert(set)
            return "(m.birthday_bidx IS NOT NULL AND NOT (m.birthday_bidx = ANY(\(set)::text[])))"
        }
        return "m.birthday_bidx = ANY(\(set)::text[])"
    }

    /// The parameter holding the index set `make` makes for `kind` and `values`, made and bound
    /// once per compiler (a condition is compiled twice when it also restricts the passes).
    private mutating func indexSet(_ kind: String, _ values: [String], _ make: () -> PostgresValue) -> String {
        let key = ([kind] + values).joined(separator: "\u{1F}")
        if let p = indexSets[key] { return p }
        let p = binder.bind(make())
        indexSets[key] = p
        return p
    }

    /// A `bigint[]` literal (hash sets bound as text where a statement's shape is fixed).
    static func bigintArray(_ values: [Int64]) -> String { "{" + values.map(String.init).joined(separator: ",") + "}" }

    /// The evaluation time `$1` as the merchant's date.
    var evaluationDate: BirthDateCandidates.Day {
        guard let seconds = CivilTime.seconds(rfc3339: asOf) else { preconditionFailure("the evaluation time \(asOf) is RFC 3339") }
        return CivilTime.localDate(seconds, offsetMinutes: context.offsetMinutes)
    }
}
