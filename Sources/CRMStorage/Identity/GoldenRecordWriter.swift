import CRMDomain
import CRMPostgres
import CRMText

/// Writes members' golden records: the personal fields sealed under each member's own data key, the
/// blind indexes derived from them (`PersonalDataCodec.memberIndexes`), and the plain coarse fields
/// (gender, region and its folded form). A member whose key was destroyed (erased) keeps nothing.
struct GoldenRecordWriter {
    let c: PostgresConnection
    let codec: PersonalDataCodec

    /// The fields of the only account of a new member, as that account's row holds them: `values[i]`
    /// in `SealedProfile.fields` order and `sealed[f][i]` the same values sealed. A golden field equal
    /// to its account's value takes the account's sealed text (same member, same key) instead of
    /// being sealed a second time.
    struct AccountSeals {
        let values: [[String?]]
        let sealed: [[String?]]
    }

    /// `golden[i]` is the record of `members[i]` (field name → value, as `Survivorship.golden` gives).
    /// `ciphers`: the members' data keys when the caller has them (members it just made).
    func write(members: [Int64], golden: [[String: String]], ciphers known: [Int64: FieldCipher]? = nil) throws {
        precondition(members.count == golden.count, "one golden record per member")
        guard !members.isEmpty else { return }
        var ciphers = known ?? [:]
        if known == nil {
            for row in try c.queryPrepared(
                "SELECT m.id, \(PersonalDataCodec.keyColumns("k")) FROM member m JOIN data_key k ON k.id = m.key_id WHERE m.id = ANY($1::bigint[])",
                [.intArray(members)])
            {
                if let cipher = try codec.cipher(row, at: 1) { ciphers[try row.decode(at: 0)] = cipher }
            }
        }
        try c.queryPrepared(
            """
            UPDATE member m SET name_sealed = t.nm, nickname_sealed = t.nick, phone_sealed = t.ph, email_sealed = t.em,
                   birthday_sealed = t.bd, address_sealed = t.ad, name_bidx = t.nb, email_domain_bidx = t.edb, birthday_bidx = t.bdb,
                   address_grams = t.ag::bigint[], gender = t.g, region = t.rg, region_fold = t.rf, name_grams = t.ng::bigint[],
                   phone_tail_bidx = t.pt, updated_at = now()
            FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                        $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
                 AS t(id, nm, nick, ph, em, bd, ad, nb, edb, bdb, ag, g, rg, rf, ng, pt)
            WHERE m.id = t.id
            """, [.intArray(members)] + columns(golden, ciphers: members.map { ciphers[$0] }, accounts: nil).map { .textArray($0) })
    }

    /// Writes the rows of members not written yet (their ids and keys from
    /// `PersonalDataCodec.newMemberKeys`), each once, with its key and golden record `golden[i]`.
    func insert(members: [Int64], golden: [[String: String]], ciphers: [FieldCipher], accounts: AccountSeals? = nil) throws {
        precondition(members.count == golden.count && members.count == ciphers.count, "one golden record and one key per member")
        guard !members.isEmpty else { return }
        try c.queryPrepared(
            """
            INSERT INTO member (id, key_id, name_sealed, nickname_sealed, phone_sealed, email_sealed, birthday_sealed, address_sealed,
                                name_bidx, email_domain_bidx, birthday_bidx, address_grams, gender, region, region_fold, name_grams,
                                phone_tail_bidx)
            OVERRIDING SYSTEM VALUE
            SELECT id, k, nm, nick, ph, em, bd, ad, nb, edb, bdb, ag::bigint[], g, rg, rf, ng::bigint[], pt
            FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                        $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[])
                 AS t(id, k, nm, nick, ph, em, bd, ad, nb, edb, bdb, ag, g, rg, rf, ng, pt)
            """,
            [.intArray(members), .intArray(ciphers.map(\.keyID))] + columns(golden, ciphers: ciphers, accounts: accounts).map { .textArray($0) })
    }

    /// The fifteen columns after the id, one value per member, in the order both statements list them:
    /// the six sealed fields, then the name, e-mail domain and birthday indexes, the address grams,
    /// gender, region, folded region, name grams and the phone's tail index.
    private func columns(_ golden: [[String: String]], ciphers: [FieldCipher?], accounts: AccountSeals?) -> [[String?]] {
        var columns = Array(repeating: [String?](), count: SealedProfile.fields.count + 9)
        for (i, record) in golden.enumerated() {
            let cipher = ciphers[i]
            let g = cipher == nil ? [:] : record
            for (f, name) in SealedProfile.fields.enumerated() {
                if let accounts, let value = g[name], accounts.values[i][f] == value {
                    columns[f].append(accounts.sealed[f][i])
                } else {
                    columns[f].append(cipher?.seal(g[name]))
                }
            }
            let x = codec.memberIndexes(name: g["name"], phone: g["phone"], email: g["email"], birthday: g["birthday"], address: g["address"])
            let n = SealedProfile.fields.count
            columns[n].append(x.name)
            columns[n + 1].append(x.emailDomain)
            columns[n + 2].append(x.birthday)
            columns[n + 3].append(x.addressGramsText)
            columns[n + 4].append(g["gender"])
            columns[n + 5].append(g["region"])
            columns[n + 6].append(g["region"].flatMap(ScriptFolder.shared.foldedIfChanged))
            columns[n + 7].append(x.nameGramsText)
            columns[n + 8].append(x.phoneTail)
        }
        return columns
    }
}
