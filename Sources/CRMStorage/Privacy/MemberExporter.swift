import CRMDomain
import CRMJSON
import CRMPostgres

/// `member.export` (docs/privacy.md, "Export"): everything crmd holds about a member's family (the
/// live member and those merged into it), personal fields decrypted, read in one transaction that
/// also writes the audit entry: a copy of personal data leaves no trace only if it fails.
public struct MemberExporter: Sendable {
    let pool: PostgresPool
    let codec: PersonalDataCodec
    /// Most entries a list of the document holds (the newest); the count is always complete.
    public static let sectionCap = 1_000

    public init(pool: PostgresPool, codec: PersonalDataCodec) {
        self.pool = pool
        self.codec = codec
    }

    public func export(memberID id: Int64, actorTokenID: Int64?) async throws -> MemberExport {
        let codec = self.codec
        return try await pool.withTransaction { c in
            // One snapshot for the whole document: a push meanwhile cannot show half of itself.
            try c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            let family = try MemberFamily.of(c, id)
            let document = try Reader(c: c, codec: codec, family: family).document()
            try AuditLog.record(
                c, tokenID: actorTokenID, action: "member.export", subject: "member:\(family.live)",
                detail: ["members": family.members.map(String.init).joined(separator: ","), "accounts": String(document.accounts.count)])
            return document
        }
    }
}

extension MemberExporter {
    /// Reads one family's document on one connection.
    struct Reader {
        let c: PostgresConnection
        let codec: PersonalDataCodec
        let family: MemberFamily
        var members: PostgresValue { .intArray(family.members) }

        func document() throws -> MemberExport {
            let accounts = try accountRows()
            let accountIDs = PostgresValue.intArray(accounts.map(\.id))
            let standing = try PointsStore.standing(c, [family.live])[family.live]
            let consent = try c.queryPrepared(
                "SELECT \(ConsentStore.answerColumns) FROM marketing_consent WHERE member_id = $1", [.int(family.live)]
            ).map(ConsentStore.answer)
            return MemberExport(
                member: family.live, mergedMembers: Array(family.members.dropFirst()),
                exportedAt: try c.query("SELECT crm_rfc3339(now())").single!.decode(at: 0),
                erased: try MemberFamily.anyErased(c, [family.live]), person: try golden(), accounts: accounts.map(\.account),
                orders: try section(Self.ordersSQL, accountIDs), refunds: try section(Self.refundsSQL, accountIDs),
                balance: standing?.balance ?? 0, pending: standing?.pending ?? 0, levelCode: standing?.level,
                entries: try section(Self.entriesSQL, members), coupons: try section(Self.couponsSQL, members),
                referralCode: try c.queryPrepared("SELECT code FROM referral_code WHERE member_id = $1", [.int(family.live)]).single?.decode(at: 0),
                referredBy: try c.queryPrepared(
                    "SELECT referrer_id FROM referral_binding WHERE referred_id = ANY($1::bigint[]) AND status <> 'voided' ORDER BY id LIMIT 1",
                    [members]
                ).single?.decode(at: 0),
                referred: try section(Self.referredSQL, members), rewards: try section(Self.rewardsSQL, members), tags: try tags(),
                consent: ConsentChannel.words.compactMap { w in consent.first { $0.channel == w } },
                consentHistory: try section(Self.consentHistorySQL, members), notices: try section(Self.noticesSQL, members))
        }

        /// The live member's golden record, opened with its data key (nothing when it was destroyed).
        func golden() throws -> [String: String] {
            guard
                let row = try c.queryPrepared(
                    """
                    SELECT \(SealedProfile.columns("m")), m.gender, m.region, \(PersonalDataCodec.keyColumns("k"))
                    FROM member m LEFT JOIN data_key k ON k.id = m.key_id WHERE m.id = $1
                    """, [.int(family.live)]
                ).single
            else { return [:] }
            let n = SealedProfile.fields.count
            var fields = try SealedProfile.open(row, at: 0, cipher: try codec.cipher(row, at: n + 2))
            fields["gender"] = try row.decode(at: n)
            fields["region"] = try row.decode(at: n + 1)
            return fields
        }

        /// The family's accounts (all on the live member), each opened with the key it was sealed with.
        func accountRows() throws -> [(id: Int64, account: MemberExport.Account)] {
            let n = SealedProfile.fields.count
            return try c.queryPrepared(
                """
                SELECT a.id, s.code, a.channel, a.external_id, crm_rfc3339(a.registered_at), crm_rfc3339(a.created_at), a.gender, a.region,
                       a.platform_ids_sealed, a.attributes_sealed, a.raw_sealed, \(SealedProfile.columns("a")), \(PersonalDataCodec.keyColumns("k"))
                FROM account a JOIN shop s ON s.id = a.shop_id LEFT JOIN data_key k ON k.id = a.key_id
                WHERE a.member_id = ANY($1::bigint[]) ORDER BY a.id
                """, [members]
            ).map { row in
                let cipher = try codec.cipher(row, at: 11 + n)
                var fields = try SealedProfile.open(row, at: 11, cipher: cipher)
                fields["gender"] = try row.decode(at: 6)
                fields["region"] = try row.decode(at: 7)
                func json(_ at: Int, empty: JSONValue) throws -> JSONValue {
                    guard let text = cipher?.open(try row.decode(String?.self, at: at)) else { return empty }
                    return (try? JSONParser.parse(text)) ?? .string(text)
                }
                let account = MemberExport.Account(
                    shop: try row.decode(at: 1), channel: try row.decode(at: 2), externalID: try row.decode(at: 3), fields: fields,
                    platformIDs: try json(8, empty: .object([:])), attributes: try json(9, empty: .object([:])), raw: try json(10, empty: .null),
                    registeredAt: try row.decode(at: 4), createdAt: try row.decode(at: 5))
                return (try row.decode(at: 0), account)
            }
        }

        func tags() throws -> [String] {
            try c.queryPrepared(
                """
                SELECT DISTINCT t.name FROM member_tag mt JOIN tag t ON t.id = mt.tag_id WHERE mt.member_id = ANY($1::bigint[]) ORDER BY t.name
                """, [members]
            ).map { try $0.decode(String.self, at: 0) }
        }

        /// One list: `sql` selects the full count (`count(*) OVER ()`) and each entry as JSON text,
        /// newest first, limited by its last parameter.
        func section(_ sql: String, _ ids: PostgresValue) throws -> MemberExport.Section {
            let rows = try c.queryPrepared(sql, [ids, .int(Int64(MemberExporter.sectionCap))])
            return MemberExport.Section(
                items: try rows.map { try JSONParser.parse(try $0.decode(String.self, at: 1)) },
                total: try rows.first?.decode(Int64.self, at: 0) ?? 0)
        }
    }
}
