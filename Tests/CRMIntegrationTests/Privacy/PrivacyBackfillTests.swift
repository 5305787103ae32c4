import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import Foundation
import Logging
import Testing

@testable import CRMStorage

/// A database written before personal data was sealed (migration 15) is sealed by crmd before it
/// serves, and reads and matches as before.
@Suite("Sealing a database written with plain personal data")
struct PrivacyBackfillTests {
    static var keyring: Keyring { Keyring(try! KeyFile.read(TestKeys.path).0) }

    /// Nothing plain is left: every member and account has its data key, no legacy JSON, identity keys,
    /// blocking keys and flags are blind indexes.
    static func expectNothingPlain(_ db: TestDatabase) async throws {
        for (what, sql) in [
            ("members without a data key", "SELECT count(*)::int FROM member WHERE key_id IS NULL"),
            ("accounts without a data key", "SELECT count(*)::int FROM account WHERE key_id IS NULL"),
            (
                "accounts with legacy JSON",
                "SELECT count(*)::int FROM account WHERE platform_ids_legacy IS NOT NULL OR attributes_legacy IS NOT NULL OR raw_legacy IS NOT NULL"
            ),
            ("plain merge snapshots", "SELECT count(*)::int FROM merge_record WHERE NOT snapshot ? 'key_id' OR snapshot ? 'name'"),
            ("plain identity keys", "SELECT count(*)::int FROM identity_key WHERE value !~ '^[A-Za-z0-9_-]{22}$'"),
            ("plain blocking keys", "SELECT count(*)::int FROM blocking_key WHERE key !~ '^[A-Za-z0-9_-]{22}$'"),
        ] {
            #expect(try await db.scalar(sql) == 0, "\(what)")
        }
        let flag = try db.withConnection { c in try c.query("SELECT value, display FROM identity_flag").single! }
        #expect(try flag.decode(String.self, at: 0) == keyring.blindIndex.value(kind: "phone", LegacyPlainData.flaggedPhone), "hashed once")
        #expect(try flag.decode(String.self, at: 1) == Masking.phone(LegacyPlainData.flaggedPhone))
        let hits = LegacyPlainData.scan.hits(in: try PostgresPrograms.dump(db), source: "pg_dump")
        #expect(hits.isEmpty, "\(hits.joined(separator: "\n"))")
    }

    /// The derived indexes segment conditions compare were computed from the sealed golden record and
    /// attributes: the address keyword's grams, the e-mail domain, the birthday, an attribute's value.
    static func expectIndexes(_ db: TestDatabase, member: Int64) throws {
        let codec = TestKeys.codec
        let row = try db.withConnection { c in
            try c.query(
                """
                SELECT m.address_grams @> $2::bigint[], m.email_domain_bidx = $3, m.birthday_bidx = $4,
                       (SELECT bool_or(a.attribute_hashes @> ARRAY[$5::bigint]) FROM account a WHERE a.member_id = m.id)
                FROM member m WHERE m.id = $1
                """,
                [
                    .int(member), .text(MemberIndexes.literal(codec.keywordGrams("南京東路"))), .text(codec.index(kind: "email_domain", "example.cn")),
                    .text(codec.index(kind: "birthday", "1985-04-12")), .int(codec.attributeHash(name: "occupation", value: "涉外律師")),
                ]
            ).single!
        }
        for (i, what) in ["address grams", "e-mail domain", "birthday", "attribute hash"].enumerated() {
            #expect(try row.decode(Bool.self, at: i), "\(what)")
        }
    }

    @Test("crmd seals plain rows before it serves: they read back, lookups and identity matching find them, nothing plain is left")
    func sealedAtStart() async throws {
        try await withTestDatabase(migrate: false) { db in
            let old = try LegacyPlainData.write(db)
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            #expect(crmd.process.log.contains("sealing personal data written before"))
            let admin = try await crmd.adminClient()
            let a = try await admin.member(["member_id": .string(String(old.a))])
            #expect(a["name"]?.stringValue == "歐陽靜怡")
            #expect(a["phone"]?.stringValue == LegacyPlainData.phone)
            #expect(a["email"]?.stringValue == LegacyPlainData.email)
            #expect(a["birthday"]?.stringValue == "1985-04-12")
            #expect(a["address"]?.stringValue == LegacyPlainData.address)
            #expect(a["accounts"]?.arrayValue?.count == 3)
            for lookup: JSONValue in [
                ["phone": "135 1234 9876"], ["email": "OuYang.JY@example.cn"], ["shop": "old1", "channel": "mobile", "external_id": "m-oy"],
            ] {
                #expect(try await admin.member(lookup)["member_id"]?.stringValue == String(old.a), "\(lookup)")
            }
            #expect(try await admin.member(["member_id": .string(String(old.b))])["member_id"]?.stringValue == String(old.a))
            for query in ["歐陽", "9876"] {
                let found = try await admin.call("member.find", ["query": .string(query)])["members"]?.arrayValue ?? []
                #expect(found.map { $0["member_id"]?.stringValue } == [String(old.a)], "member.find \(query)")
            }
            let pushed = try await admin.push(
                "sh01",
                [
                    Events.upsert("n-1", "web", "n-union", ["name": "歐陽靜怡", "platform_ids": ["wechat_unionid": .string(LegacyPlainData.unionID)]]),
                    Events.upsert("n-2", "mobile", "n-phone", ["phone": "135 1234 9876"]),
                    Events.upsert("n-3", "web", "n-fuzzy", ["name": "諸葛明月", "birthday": "1990-08-08", "address": "北京市朝陽區建國路88號", "region": "北京"]),
                ])
            #expect(pushed.map { $0["member_id"]?.stringValue } == [String(old.a), String(old.a), String(old.c)], "\(pushed)")
            await admin.close()
            try Self.expectIndexes(db, member: old.a)
            try await Self.expectNothingPlain(db)
        }
    }

    @Test("a backfill stopped after a batch goes on where it stopped and hashes nothing twice")
    func resumes() async throws {
        try await withTestDatabase(migrate: false) { db in
            _ = try LegacyPlainData.write(db)
            try Migrator().migrate(configuration: db.configuration)
            let codec = PersonalDataCodec(keys: try KeySource(path: TestKeys.path))
            let first = try db.withConnection { c in
                try PrivacyBackfill(connection: c, codec: codec, logger: Logger(label: "test"), batchSize: 1).batch(rehashLookups: true)
            }
            #expect(first?.members == 1)
            #expect(try await db.scalar("SELECT count(*)::int FROM member WHERE key_id IS NULL") == 2)
            try db.withConnection { c in try PrivacyBackfill(connection: c, codec: codec, logger: Logger(label: "test"), batchSize: 1).run() }
            try db.withConnection { c in try PrivacyBackfill(connection: c, codec: codec, logger: Logger(label: "test")).run() }
            try await Self.expectNothingPlain(db)
        }
    }
}
