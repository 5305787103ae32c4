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

    /// What fuzzy matching compares of an account, from a row holding its region at `at`, then the six
    /// sealed columns and the data key's columns.
    static func personFields(_ row: PostgresRow, at index: Int, codec: PersonalDataCodec) throws -> PersonFields {
        let cipher = try codec.cipher(row, at: index + 1 + fields.count)
        let f = try open(row, at: index + 1, cipher: cipher, only: matched)
        return PersonFields(
            name: f["name"], birthday: f["birthday"], address: f["address"], region: try row.decode(at: index), phone: f["phone"], forms: ChineseForms.shared)
    }
}
