import CRMDomain
import CRMText
import CRMPostgres
import CRMStorage
import Foundation

/// TEST SUPPORT SQL: a database as crm wrote it before migration 15 (personal data in plain text),
/// made by migrating to 14 and inserting rows the way 0014's code did: normalised values in the
/// `*_sealed` columns, plain JSON in `platform_ids`, `attributes`, `raw` and merge snapshots, identity
/// keys and blocking keys as the plain values `IdentityKey.keys` and `PersonFields.blockingKeys` give.
///
/// | member | accounts (shop `old1`) | |
/// | --- | --- | --- |
/// | A 歐陽靜怡 | web w-oy (everything), mobile m-oy (same phone), group_buy g-oy (came with B) | |
/// | B 歐陽靜 | none: merged into A (merge record with a plain snapshot) | |
/// | C 諸葛明月 | web w-zg: name, birthday, address, region, no phone | a later push like her is a fuzzy match |
/// Plus a guard flag on a plain phone.
struct LegacyPlainData {
    static let phone = "+8613512349876"
    static let email = "ouyang.jy@example.cn"
    static let unionID = "oLegacyUnion77Qx"
    static let address = "上海市黃浦區南京東路99號金陵大廈"
    static let flaggedPhone = "+8613800001111"
    let a: Int64, b: Int64, c: Int64

    /// The values that must not be found in plain text once crmd sealed them.
    static let scan = PlainTextScan(values: [
        .init(label: "name", spellings: ["歐陽靜", "欧阳静", "諸葛明月", "诸葛明月"]),
        .init(label: "phone", spellings: ["13512349876", "13800001111"]), .init(label: "email", spellings: ["ouyang.jy"]),
        .init(label: "birthday", spellings: ["1985-04-12", "1990-08-08"]),
        .init(label: "address", spellings: ["南京東路99號", "南京东路99号", "建國路88號", "建国路88号"]),
        .init(label: "platform id", spellings: [unionID]), .init(label: "attribute", spellings: ["涉外律師", "涉外律师"]),
        .init(label: "raw extra", spellings: ["舊系統備註"]),
    ])

    /// Migrates `db` to 14 and writes the rows.
    static func write(_ db: TestDatabase) throws -> LegacyPlainData {
        try Migrator(migrations: Migration.embedded.filter { $0.version <= 14 }).migrate(configuration: db.configuration)
        return try db.withConnection { c in
            try c.transaction { c in
                let shop: Int64 = try c.query("INSERT INTO shop (code, name) VALUES ('old1', '老店') RETURNING id").single!.decode(at: 0)
                let a = try member(c, name: "歐陽靜怡", phone: phone, email: email, birthday: "1985-04-12", address: address, fold: "上海市黄浦区南京东路99号金陵大厦")
                let b = try member(c, name: "歐陽靜", phone: nil, email: nil, birthday: "1985-04-12", address: nil, fold: nil)
                let cc = try member(c, name: "諸葛明月", phone: nil, email: nil, birthday: "1990-08-08", address: "北京市朝陽區建國路88號", fold: "北京市朝阳区建国路88号")
                let raw = #"{"external_id":"w-oy","name":"歐陽靜怡","phone":"135 1234 9876","note":"舊系統備註"}"#
                let a1 = try account(
                    c, shop, "web", "w-oy", a, name: "歐陽靜怡", phone: phone, email: email, birthday: "1985-04-12", address: address,
                    platform: #"{"wechat_unionid":"\#(unionID)"}"#, attributes: #"{"skin_type":"油性","occupation":"涉外律師"}"#, raw: raw)
                let a2 = try account(c, shop, "mobile", "m-oy", a, name: "歐陽靜怡", phone: phone)
                let a3 = try account(c, shop, "group_buy", "g-oy", a, name: "歐陽靜", birthday: "1985-04-12")
                let c1 = try account(c, shop, "web", "w-zg", cc, name: "諸葛明月", birthday: "1990-08-08", address: "北京市朝陽區建國路88號", region: "北京")
                try keys(c, a1, ["phone": phone, "email": email, "wechat_unionid": unionID])
                try keys(c, a2, ["phone": phone])
                try blocking(c, a1, PersonFields(name: "歐陽靜怡", birthday: "1985-04-12", address: address, region: nil, phone: phone, forms: ChineseForms.shared))
                try blocking(c, a2, PersonFields(name: "歐陽靜怡", birthday: nil, address: nil, region: nil, phone: phone, forms: ChineseForms.shared))
                try blocking(c, a3, PersonFields(name: "歐陽靜", birthday: "1985-04-12", address: nil, region: nil, phone: nil, forms: ChineseForms.shared))
                try blocking(c, c1, PersonFields(name: "諸葛明月", birthday: "1990-08-08", address: "北京市朝陽區建國路88號", region: "北京", phone: nil, forms: ChineseForms.shared))
                try c.query("UPDATE member SET merged_into = $1 WHERE id = $2", [.int(a), .int(b)])
                try c.query(
                    """
                    INSERT INTO merge_record (survivor_id, merged_id, account_ids, snapshot, rule, actor)
                    SELECT $1, $2, ARRAY[$3::bigint], to_jsonb(m) - 'merged_into', 'key:phone', 'system' FROM member m WHERE m.id = $2
                    """, [.int(a), .int(b), .int(a3)])
                try c.query(
                    "INSERT INTO identity_flag (guard, kind, value, detail) VALUES ('shared_widely', 'phone', $1, '{\"accounts\": 9}')", [.text(flaggedPhone)])
                return LegacyPlainData(a: a, b: b, c: cc)
            }
        }
    }

    private static func member(
        _ c: PostgresConnection, name: String, phone: String?, email: String?, birthday: String?, address: String?, fold: String?
    ) throws -> Int64 {
        try c.query(
            """
            INSERT INTO member (name, phone_sealed, email_sealed, birthday_sealed, address_sealed, address_fold, gender, region)
            VALUES ($1, $2, $3, $4, $5, $6, 'female', '上海') RETURNING id
            """, [.text(name), .optional(phone), .optional(email), .optional(birthday), .optional(address), .optional(fold)]
        ).single!.decode(at: 0)
    }

    private static func account(
        _ c: PostgresConnection, _ shop: Int64, _ channel: String, _ external: String, _ member: Int64, name: String, phone: String? = nil,
        email: String? = nil, birthday: String? = nil, address: String? = nil, region: String? = nil, platform: String = "{}", attributes: String = "{}",
        raw: String = "{}"
    ) throws -> Int64 {
        try c.query(
            """
            INSERT INTO account (shop_id, channel, external_id, member_id, name, phone_sealed, email_sealed, birthday_sealed, address_sealed,
                                 region, platform_ids, attributes, raw, source_updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13::jsonb, now()) RETURNING id
            """,
            [
                .int(shop), .text(channel), .text(external), .int(member), .text(name), .optional(phone), .optional(email), .optional(birthday),
                .optional(address), .optional(region), .text(platform), .text(attributes), .text(raw),
            ]
        ).single!.decode(at: 0)
    }

    private static func keys(_ c: PostgresConnection, _ account: Int64, _ keys: [String: String]) throws {
        for (kind, value) in keys {
            try c.query("INSERT INTO identity_key (account_id, kind, value) VALUES ($1, $2, $3)", [.int(account), .text(kind), .text(value)])
        }
    }

    private static func blocking(_ c: PostgresConnection, _ account: Int64, _ fields: PersonFields) throws {
        for key in Set(fields.blockingKeys) {
            try c.query("INSERT INTO blocking_key (account_id, key) VALUES ($1, $2)", [.int(account), .text(key)])
        }
    }
}
