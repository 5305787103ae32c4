import CRMDomain
import CRMPostgres
import CRMText

/// The sealed personal fields of an account or a member's golden record, as the `*_sealed` columns
/// hold them, in one fixed order. Statements select `columns(alias)` followed by the data key's
/// `PersonalDataCodec.keyColumns`, and `open` turns a row back into plain fields.
enum SealedProfile {
    /// The personal fields, in column order.
    static let fields = ["name", "nickname", "phone", "email", "birthday", "address"]

    /// `alias.name_sealed, …, alias.address_sealed`.
    static func columns(_ alias: String) -> String {
        fields.map { "\(alias).\($0)_sealed" }.joined(separator: ", ")
    }

    /// The plain fields of the six sealed columns at `at`…`at + 5`, opened with `cipher` (none when the
    /// key was destroyed by erasure).
    static func open(_ row: PostgresRow, at index: Int, cipher: FieldCipher?) throws -> [String: String] {
        try open(row, at: index, cipher: cipher, only: fields.indices)
    }

    /// The plain fields among `only` (indexes into `fields`) of the six sealed columns at `at`.
    static func open(_ row: PostgresRow, at index: Int, cipher: FieldCipher?, only: some Sequence<Int>) throws -> [String: String] {
        var out: [String: String] = [:]
        for i in only {
            let sealed: String? = try row.decode(at: index + i)
            if let value = cipher?.open(sealed) { out[fields[i]] = value }
        }
        return out
    }

    /// The fields matching compares (name, phone, birthday, address), as indexes into `fields`:
    /// a candidate's nickname and e-mail are not opened to compare it.
    static let matched = ["name", "phone", "birthday", "address"].map { fields.firstIndex(of: $0)! }

    /// The six sealed columns of rows whose plain fields are `values[i]` (in `fields` order), each row
    /// sealed with `ciphers[i]`, as statement parameters.
    static func sealedColumns(_ values: [[String?]], cipher: FieldCipher) -> [PostgresValue] {
        sealedColumns(values, ciphers: values.map { _ in cipher })
    }

    static func sealedColumns(_ values: [[String?]], ciphers: [FieldCipher]) -> [PostgresValue] {
        sealed(values, ciphers: ciphers).map { .textArray($0) }
    }

    /// `values` sealed: `result[f][i]` is field `f` of row `i` sealed with `ciphers[i]`.
    static func sealed(_ values: [[String?]], ciphers: [FieldCipher]) -> [[String?]] {
        precondition(values.count == ciphers.count, "one cipher per row")
        return fields.indices.map { f in values.indices.map { ciphers[$0].seal(values[$0][f]) } }
    }

    /// An account's columns matching reads, in the order `personFields` takes them: its region, its
    /// stored form (`PersonFields.storedForm`, sealed), then the sealed fields matching compares (read
    /// when there is no stored form to read). The data key's `PersonalDataCodec.keyColumns` follow.
    /// `formFirst`: the sealed fields only of accounts without a stored form (NULL otherwise), for the
    /// statement that reads a dozen candidates for every new account of a push: half its bytes.
    static func matchColumns(_ alias: String, formFirst: Bool = false) -> String {
        let sealed = matched.map { i in
            formFirst ? "CASE WHEN \(alias).match_sealed IS NULL THEN \(alias).\(fields[i])_sealed END" : "\(alias).\(fields[i])_sealed"
        }
        return (["\(alias).region", "\(alias).match_sealed"] + sealed).joined(separator: ", ")
    }

    /// How many columns `matchColumns` selects.
    static let matchColumnCount = 2 + matched.count

    /// What fuzzy matching compares of an account, from a row holding `matchColumns` at `at`, then the
    /// data key's columns: read from the stored form when it is of this version, else opened and derived.
    static func personFields(_ row: PostgresRow, at index: Int, codec: PersonalDataCodec) throws -> PersonFields {
        let cipher = try codec.cipher(row, at: index + matchColumnCount)
        if let stored = cipher?.open(try row.decode(String?.self, at: index + 1)), let fields = PersonFields(storedForm: stored) {
            #if DEBUG
            // Where the row holds the sealed fields too (not `formFirst`), the form must be what they give.
            if try (2..<matchColumnCount).contains(where: { try row.decode(String?.self, at: index + $0) != nil }) {
                let derived = try derivedFields(row, at: index, cipher: cipher)
                precondition(fields == derived, "an account's stored match form differs from its sealed fields")
            }
            #endif
            return fields
        }
        return try derivedFields(row, at: index, cipher: cipher)
    }

    /// The matched fields of a row holding `matchColumns` at `at`, opened from their sealed columns and
    /// their forms derived (the stored form is not read).
    static func derivedFields(_ row: PostgresRow, at index: Int, cipher: FieldCipher?) throws -> PersonFields {
        var f: [String: String] = [:]
        for (column, i) in matched.enumerated() {
            if let value = cipher?.open(try row.decode(String?.self, at: index + 2 + column)) { f[fields[i]] = value }
        }
        return PersonFields(
            name: f["name"], birthday: f["birthday"], address: f["address"], region: try row.decode(at: index), phone: f["phone"], forms: ChineseForms.shared)
    }
}
