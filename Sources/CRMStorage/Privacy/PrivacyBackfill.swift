import CRMDomain
import CRMPostgres
import Foundation
import Logging

/// Seals the personal data of rows written before migration 15 (docs/privacy.md, "Upgrading a
/// database with plain data"): those rows have `key_id IS NULL`. Each batch of such members gets
/// data keys and, in the same transaction, the members' golden records and accounts are sealed
/// under them (accounts under the key of the member they belong to), the accounts' legacy JSON is
/// moved into the sealed columns, the derived blind indexes are computed, identity keys and
/// blocking keys become blind indexes, and merge snapshots of these members are sealed. The guard
/// flags' values become blind indexes in the first batch ever (when no member had a key yet). Runs
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

    private func exists(_ sql: String) throws -> Bool { try !connection.query(sql).isEmpty }

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

    /// Members' golden records: each field sealed as stored, and the derived indexes.
    private func sealMembers(_ c: PostgresConnection, _ cipherOf: [Int64: FieldCipher]) throws {
        var ids: [Int64] = [], columns = [[String?]](repeating: [], count: 10)
        for row in try c.query(
            "SELECT id, name_sealed, nickname_sealed, phone_sealed, email_sealed, birthday_sealed, address_sealed FROM member WHERE id = ANY($1::bigint[])",
            [.intArray(Array(cipherOf.keys))])
        {
            let id: Int64 = try row.decode(at: 0)
            let cipher = cipherOf[id]!
            let plain: [String?] = try (1...6).map { try row.decode(String?.self, at: $0) }
            let indexes = codec.memberIndexes(name: plain[0], email: plain[3], birthday: plain[4], address: plain[5])
            ids.append(id)
            for (i, value) in plain.enumerated() { columns[i].append(cipher.seal(value)) }
            columns[6].append(indexes.name)
            columns[7].append(indexes.emailDomain)
            columns[8].append(indexes.birthday)
            columns[9].append(indexes.addressGramsText)
        }
        try c.query(
            """
            UPDATE member m SET name_sealed = t.n, nickname_sealed = t.nick, phone_sealed = t.ph, email_sealed = t.em, birthday_sealed = t.bd,
                address_sealed = t.ad, name_bidx = t.nb, email_domain_bidx = t.eb, birthday_bidx = t.bb, address_grams = t.ag::bigint[]
            FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                        $10::text[], $11::text[]) AS t(id, n, nick, ph, em, bd, ad, nb, eb, bb, ag)
            WHERE m.id = t.id
            """, [.intArray(ids)] + columns.map { .textArray($0) })
    }

    /// The accounts of these members: sealed under their member's key, legacy JSON moved and cleared,
    /// attribute hashes computed. Returns their ids.
    private func sealAccounts(_ c: PostgresConnection, _ cipherOf: [Int64: FieldCipher]) throws -> [Int64] {
        var ids: [Int64] = [], keys: [Int64] = [], columns = [[String?]](repeating: [], count: 10)
        for row in try c.query(
            """
            SELECT id, member_id, name_sealed, nickname_sealed, phone_sealed, email_sealed, birthday_sealed, address_sealed,
                   platform_ids_legacy::text, attributes_legacy::text, raw_legacy::text
            FROM account WHERE member_id = ANY($1::bigint[]) AND key_id IS NULL
            """, [.intArray(Array(cipherOf.keys))])
        {
            let cipher = cipherOf[try row.decode(Int64.self, at: 1)]!
            let plain: [String?] = try (2...10).map { try row.decode(String?.self, at: $0) }
            ids.append(try row.decode(at: 0))
            keys.append(cipher.keyID)
            for (i, value) in plain.enumerated() { columns[i].append(cipher.seal(value)) }
            columns[9].append(Self.bigintArray(codec.attributeHashes(plain[7] ?? "{}")))
        }
        guard !ids.isEmpty else { return [] }
        try c.query(
            """
            UPDATE account a SET key_id = t.k, name_sealed = t.n, nickname_sealed = t.nick, phone_sealed = t.ph, email_sealed = t.em,
                birthday_sealed = t.bd, address_sealed = t.ad, platform_ids_sealed = t.pl, attributes_sealed = t.at, raw_sealed = t.raw,
                attribute_hashes = t.ah::bigint[], platform_ids_legacy = NULL, attributes_legacy = NULL, raw_legacy = NULL
            FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                        $10::text[], $11::text[], $12::text[]) AS t(id, k, n, nick, ph, em, bd, ad, pl, at, raw, ah)
            WHERE a.id = t.id
            """, [.intArray(ids), .intArray(keys)] + columns.map { .textArray($0) })
        return ids
    }

    static func bigintArray(_ values: [Int64]) -> String { "{" + values.map(String.init).joined(separator: ",") + "}" }

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
        try c.query(
            "INSERT INTO blocking_key (account_id, key) SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT DO NOTHING",
            [.intArray(blockAccounts), .textArray(blocks)])
    }

    /// Merge snapshots of these members (as the merged member), sealed under the merged member's key.
    private func sealSnapshots(_ c: PostgresConnection, _ cipherOf: [Int64: FieldCipher]) throws {
        var ids: [Int64] = [], sealed: [String?] = []
        for row in try c.query(
            "SELECT id, merged_id, snapshot_legacy::text FROM merge_record WHERE merged_id = ANY($1::bigint[]) AND snapshot_legacy IS NOT NULL",
            [.intArray(Array(cipherOf.keys))])
        {
            ids.append(try row.decode(at: 0))
            sealed.append(cipherOf[try row.decode(Int64.self, at: 1)]!.seal(try row.decode(String.self, at: 2)))
        }
        guard !ids.isEmpty else { return }
        try c.query(
            "UPDATE merge_record r SET snapshot_sealed = t.s, snapshot_legacy = NULL FROM unnest($1::bigint[], $2::text[]) AS t(id, s) WHERE r.id = t.id",
            [.intArray(ids), .textArray(sealed)])
    }

    /// Guard flags name the key value that fired them: the blind index replaces the plain value.
    private func rehashFlags(_ c: PostgresConnection) throws {
        var ids: [Int64] = [], values: [String?] = []
        for row in try c.query("SELECT id, kind, value FROM identity_flag") {
            ids.append(try row.decode(at: 0))
            values.append(codec.index(kind: try row.decode(at: 1), try row.decode(at: 2)))
        }
        guard !ids.isEmpty else { return }
        try c.query(
            "UPDATE identity_flag f SET value = t.v FROM unnest($1::bigint[], $2::text[]) AS t(id, v) WHERE f.id = t.id", [.intArray(ids), .textArray(values)])
    }
}
