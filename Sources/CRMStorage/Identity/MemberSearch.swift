import CRMDomain
import CRMPostgres

/// One `member.find` query over sealed data: phone and e-mail by their blind indexes (exact), the
/// whole name by `name_bidx`, a name fragment by `name_grams` (every character and pair of the
/// fragment among the name's) and final phone digits by `phone_tail_bidx`; the fragment and digit
/// candidates are then opened and kept only when the name contains the fragment (case and script
/// ignored) or the phone ends with the digits.
struct MemberSearch {
    let codec: PersonalDataCodec
    let phoneIndex: String?
    let emailIndex: String?
    let nameIndex: String?
    /// A name fragment (not for whole-value searches), as compared, and its grams.
    let fragment: String?
    let fragmentGrams: [Int64]
    /// Final digits of a phone (4 or more), and the index of their last four.
    let digits: String?
    let tailIndex: String?
    /// Candidates read per statement while confirming fragments and digits.
    static let candidateBatch = 500
    /// Statements one search may take to fill its page: past it the page is returned short, and the
    /// next page (after its last id) carries on.
    static let maxBatches = 20

    init(query: String, wholeValuesOnly: Bool, codec: PersonalDataCodec) {
        self.codec = codec
        phoneIndex = PhoneNumber.normalize(query).map { codec.index(kind: "phone", $0) }
        emailIndex = EmailAddress.normalize(query).map { codec.index(kind: "email", $0) }
        let name = TextKey.normalize(query)
        nameIndex = name.isEmpty ? nil : codec.index(kind: "name", name)
        let searchText = PersonalDataCodec.searchText(query.trimmingWhitespace())
        fragment = wholeValuesOnly || searchText.isEmpty ? nil : searchText
        fragmentGrams = fragment.map { codec.nameGrams($0) } ?? []
        let isDigits = !wholeValuesOnly && query.count >= PersonalDataCodec.phoneTailDigits && query.allSatisfy(\.isNumber)
        digits = isDigits ? query : nil
        tailIndex = isDigits ? codec.index(kind: "phone_tail", String(query.suffix(PersonalDataCodec.phoneTailDigits))) : nil
    }

    /// The ids of up to `limit` matching live members after `afterID`, in id order, and, when the
    /// search read `maxBatches` of candidates before filling them, the id it stopped after.
    func ids(_ c: PostgresConnection, afterID: Int64?, limit: Int) throws -> (ids: [Int64], stoppedAfter: Int64?) {
        var found: [Int64] = []
        var cursor = afterID
        for _ in 0..<Self.maxBatches {
            let rows = try c.queryPrepared(
                """
                WITH keyed AS MATERIALIZED (
                    SELECT DISTINCT a.member_id FROM identity_key k JOIN account a ON a.id = k.account_id
                    WHERE (k.kind = 'phone' AND k.value = $4) OR (k.kind = 'email' AND k.value = $5))
                SELECT m.id, (m.name_bidx = $3 OR m.id IN (SELECT member_id FROM keyed)) IS TRUE,
                       m.name_sealed, m.phone_sealed, \(PersonalDataCodec.keyColumns("dk"))
                FROM member m LEFT JOIN data_key dk ON dk.id = m.key_id
                WHERE m.merged_into IS NULL AND ($1::bigint IS NULL OR m.id > $1)
                  AND (m.name_bidx = $3
                       OR ($6::bigint[] <> '{}' AND m.name_grams @> $6::bigint[])
                       OR ($7::text IS NOT NULL AND m.phone_tail_bidx = $7)
                       OR m.id IN (SELECT member_id FROM keyed))
                ORDER BY m.id LIMIT $2
                """,
                [
                    .optional(cursor), .int(Int64(Self.candidateBatch)), .optional(nameIndex), .optional(phoneIndex), .optional(emailIndex),
                    .text(MemberIndexes.literal(fragmentGrams)), .optional(tailIndex),
                ])
            for row in rows {
                let id: Int64 = try row.decode(at: 0)
                cursor = id
                if try row.decode(Bool.self, at: 1) || (try confirms(row)) {
                    found.append(id)
                    if found.count == limit { return (found, nil) }
                }
            }
            if rows.count < Self.candidateBatch { return (found, nil) }
        }
        return (found, cursor)
    }

    /// Whether an opened candidate's name contains the fragment or its phone ends with the digits.
    private func confirms(_ row: PostgresRow) throws -> Bool {
        guard let cipher = try codec.cipher(row, at: 4) else { return false }
        if let fragment, let name = cipher.open(try row.decode(at: 2)), PersonalDataCodec.searchText(name).contains(fragment) { return true }
        if let digits, let phone = cipher.open(try row.decode(at: 3)), phone.hasSuffix(digits) { return true }
        return false
    }
}
