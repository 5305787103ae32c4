import CRMDomain
import CRMPostgres
import Foundation
import Logging

/// Seals the personal data of rows written before migration 15 (docs/privacy.md, "Upgrading a
/// database with plain data"): those rows have `key_id IS NULL`. Each batch of such members gets
/// data keys and, in the same transaction, the members' golden records and accounts are sealed
/// under them (accounts under the key of the member they belong to), the accounts' legacy JSON is
/// moved into the sealed columns, the derived blind indexes are computed, identity keys and
/// blocking keys become blind indexes, and merge snapshots of these members are sealed. The values
/// of guard flags and of the identity blocklist become blind indexes in the first batch ever (when
/// no member had a key yet). Runs
/// after migrating, under the migration lock, before crmd serves; a crmd stopped half-way goes on
/// where it stopped: what is sealed is what has a key.
struct PrivacyBackfill {
    static let defaultBatchSize = 1_000

    let connection: PostgresConnection
    let codec: PersonalDataCodec
    let logger: Logger
    var batchSize = Self.defaultBatchSize

    /// What one batch sealed.
    struct Sealed {
        var members = 0
        var accounts = 0
    }

    func run() throws {
        guard try exists("SELECT 1 FROM member WHERE key_id IS NULL") else { return }
        logger.notice("sealing personal data written before encryption at rest", metadata: ["batch": "\(batchSize)"])
        // Guard flags hold plain values until the first batch of all; after it, hashed ones.
        var rehash = try !exists("SELECT 1 FROM member WHERE key_id IS NOT NULL")
        var total = Sealed()
        while let sealed = try batch(rehashLookups: rehash) {
            rehash = false
            total.members += sealed.members
            total.accounts += sealed.accounts
            logger.info("sealed plain personal data", metadata: ["members": "\(total.members)", "accounts": "\(total.accounts)"])
        }
        logger.notice("personal data sealed", metadata: ["members": "\(total.members)", "accounts": "\(total.accounts)"])
    }

    private func exists(_ sql: String) throws -> Bool {
        try connection.query("SELECT EXISTS (\(sql))").single!.decode(Bool.self, at: 0)
    }

    /// Seals the next batch of members without a data key, committed; nil when none is left.
    func batch(rehashLookups: Bool) throws -> Sealed? {
        try connection.transaction { c in
            let members = try c.query(
                "SELECT id FROM member WHERE key_id IS NULL ORDER BY id LIMIT $1 FOR UPDATE", [.int(Int64(batchSize))]
            ).map { try $0.decode(Int64.self, at: 0) }
            guard !members.isEmpty else { return nil }
            if rehashLookups { try rehashFlags(c) }
            let ciphers = try codec.newCiphers(c, members: members)
            let cipherOf = Dictionary(uniqueKeysWithValues: zip(members, ciphers))
            try sealMembers(c, cipherOf)
            let accounts = try sealAccounts(c, cipherOf)
            try rehashKeys(c, accounts: accounts)
            try sealSnapshots(c, cipherOf)
            return Sealed(members: members.count, accounts: accounts.count)
        }
    }

    /// Members' golden records, sealed as stored, with their derived indexes (`GoldenRecordWriter`,
    /// as every write of a golden record does).
    private func sealMembers(_ c: PostgresConnection, _ cipherOf: [Int64: FieldCipher]) throws {
        var ids: [Int64] = [], golden: [[String: String]] = []
        let names = SealedProfile.fields + ["gender", "region"]
        for row in try c.query(
            "SELECT id, \(SealedProfile.columns("m")), m.gender, m.region FROM member m WHERE id = ANY($1::bigint[])", [.intArray(Array(cipherOf.keys))])
        {
            var record: [String: String] = [:]
            for (i, name) in names.enumerated() { record[name] = try row.decode(String?.self, at: i + 1) }
            ids.append(try row.decode(at: 0))
            golden.append(record)
        }
        try GoldenRecordWriter(c: c, codec: codec).write(members: ids, golden: golden, ciphers: cipherOf)
    }

    /// The accounts of these members: sealed under their member's key, legacy JSON moved and cleared,
    /// attribute hashes computed. Returns their ids.
    private func sealAccounts(_ c: PostgresConnection, _ cipherOf: [Int64: FieldCipher]) throws -> [Int64] {
        var ids: [Int64] = [], keys: [Int64] = [], columns = [[String?]](repeating: [], count: 10)
        for row in try c.query(
            """
            SELECT a.id, a.member_id, \(SealedProfile.columns("a")), a.platform_ids_legacy::text, a.attributes_legacy::text, a.raw_legacy::text
            FROM account a WHERE a.member_id = ANY($1::bigint[]) AND a.key_id IS NULL
            """, [.intArray(Array(cipherOf.keys))])
        {
            let cipher = cipherOf[try row.decode(Int64.self, at: 1)]!
            let plain: [String?] = try (2...10).map { try row.decode(String?.self, at: $0) }
            ids.append(try row.decode(at: 0))
            keys.append(cipher.keyID)
            for (i, value) in plain.enumerated() { columns[i].append(cipher.seal(value)) }
            columns[9].append(codec.attributeHashesText(plain[7] ?? "{}"))
        }
        guard !ids.isEmpty else { return [] }
        try c.query(
            """
            UPDATE account a SET key_id = t.k, name_sealed = t.n, nickname_sealed = t.nick, phone_sealed = t.ph, email_sealed = t.em,
                birthday_sealed = t.bd, address_sealed = t.ad, match_sealed = NULL, platform_ids_sealed = t.pl, attributes_sealed = t.at, raw_sealed = t.raw,
                attribute_hashes = t.ah::bigint[], platform_ids_legacy = NULL, attributes_legacy = NULL, raw_legacy = NULL
            FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                        $10::text[], $11::text[], $12::text[]) AS t(id, k, n, nick, ph, em, bd, ad, pl, at, raw, ah)
            WHERE a.id = t.id
            """, [.intArray(ids), .intArray(keys)] + columns.map { .textArray($0) })
        return ids
    }

    /// Identity keys and blocking keys of these accounts as blind indexes. The stored rows are what
    /// `IdentityKey.keys` and `PersonFields.blockingKeys` gave when the account was last written
    /// (the old codec's index was the normalised value itself), so indexing each row gives exactly
    /// the rows ingest writes now for the same account.
    private func rehashKeys(_ c: PostgresConnection, accounts: [Int64]) throws {
        guard !accounts.isEmpty else { return }
        var keyAccounts: [Int64] = [], kinds: [String?] = [], values: [String?] = []
        for row in try c.query("DELETE FROM identity_key WHERE account_id = ANY($1::bigint[]) RETURNING account_id, kind, value", [.intArray(accounts)]) {
            let kind: String = try row.decode(at: 1)
            keyAccounts.append(try row.decode(at: 0))
            kinds.append(kind)
            values.append(codec.index(kind: kind, try row.decode(at: 2)))
        }
        try c.query(
            "INSERT INTO identity_key (account_id, kind, value) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING",
            [.intArray(keyAccounts), .textArray(kinds), .textArray(values)])
        var blockAccounts: [Int64] = [], blocks: [String?] = []
        for row in try c.query("DELETE FROM blocking_key WHERE account_id = ANY($1::bigint[]) RETURNING account_id, key", [.intArray(accounts)]) {
            blockAccounts.append(try row.decode(at: 0))
            blocks.append(codec.index(kind: "block", try row.decode(at: 1)))
        }
        try BlockingKeyRows.insert(c, accounts: blockAccounts, keys: blocks)
    }

    /// Merge snapshots of these members (as the merged member): the member's row as JSON, as 0014
    /// wrote it, becomes the row as merges write it now: the personal fields sealed under the merged
    /// member's key in the `*_sealed` members, with the key's id, and no plain folded address.
    private func sealSnapshots(_ c: PostgresConnection, _ cipherOf: [Int64: FieldCipher]) throws {
        let plain = ["name", "nickname", "phone_sealed", "email_sealed", "birthday_sealed", "address_sealed"]
        var ids: [Int64] = [], keys: [Int64] = [], columns = [[String?]](repeating: [], count: plain.count)
        for row in try c.query(
            """
            SELECT id, merged_id, \(plain.map { "snapshot->>'\($0)'" }.joined(separator: ", ")) FROM merge_record
            WHERE merged_id = ANY($1::bigint[]) AND NOT snapshot ? 'key_id'
            """, [.intArray(Array(cipherOf.keys))])
        {
            let cipher = cipherOf[try row.decode(Int64.self, at: 1)]!
            ids.append(try row.decode(at: 0))
            keys.append(cipher.keyID)
            for i in plain.indices { columns[i].append(cipher.seal(try row.decode(String?.self, at: i + 2))) }
        }
        guard !ids.isEmpty else { return }
        try c.query(
            """
            UPDATE merge_record r SET snapshot = (r.snapshot - 'name' - 'nickname' - 'address_fold') || jsonb_build_object(
                'key_id', t.k, 'name_sealed', t.nm, 'nickname_sealed', t.nick, 'phone_sealed', t.ph, 'email_sealed', t.em,
                'birthday_sealed', t.bd, 'address_sealed', t.ad)
            FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                 AS t(id, k, nm, nick, ph, em, bd, ad)
            WHERE r.id = t.id
            """, [.intArray(ids), .intArray(keys)] + columns.map { .textArray($0) })
    }

    /// Guard flags and the identity blocklist name key values: the blind index replaces the plain
    /// value (flags keep it masked in `display`, as flags written now do).
    private func rehashFlags(_ c: PostgresConnection) throws {
        var ids: [Int64] = [], values: [String?] = [], shown: [String?] = []
        for row in try c.query("SELECT id, kind, value FROM identity_flag") {
            let key = IdentityKey(kind: try row.decode(at: 1), value: try row.decode(at: 2))
            ids.append(try row.decode(at: 0))
            values.append(codec.index(kind: key.kind, key.value))
            shown.append(key.masked)
        }
        if !ids.isEmpty {
            try c.query(
                "UPDATE identity_flag f SET value = t.v, display = t.d FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(id, v, d) WHERE f.id = t.id",
                [.intArray(ids), .textArray(values), .textArray(shown)])
        }
        var kinds: [String?] = [], plain: [String?] = [], blind: [String?] = []
        for row in try c.query("SELECT kind, value FROM identity_blocklist") {
            let kind: String = try row.decode(at: 0)
            let value: String = try row.decode(at: 1)
            kinds.append(kind)
            plain.append(value)
            blind.append(codec.index(kind: kind, value))
        }
        guard !kinds.isEmpty else { return }
        try c.query(
            "UPDATE identity_blocklist b SET value = t.v FROM unnest($1::text[], $2::text[], $3::text[]) AS t(k, p, v) WHERE b.kind = t.k AND b.value = t.p",
            [.textArray(kinds), .textArray(plain), .textArray(blind)])
    }
}
