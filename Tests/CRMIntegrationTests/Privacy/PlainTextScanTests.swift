import CRMClient
import CRMDomain
import CRMProtocol
import Foundation
import Testing

/// The issue's proof that personal data is protected at rest: members with distinctive values go
/// through a real crmd and every feature, then a `pg_dump` of the whole database and crmd's log are
/// searched for each value in plain text.
@Suite("Personal data at rest: plain-text scan")
struct PlainTextScanTests {
    /// 龔夢瑤: every personal field (and an occupation beside them), two accounts (merged by phone), the one most features touch.
    static let gong: JSONObject = [
        "name": "龔夢瑤", "nickname": "夢幻瑤光", "phone": "139 7771 2358", "email": "Gong.MengYao.X7@Example.org",
        "birthday": "1987-09-23", "gender": "女", "region": "杭州", "address": "杭州市西湖區文三路478號華星時代廣場A座1703室",
        "platform_ids": ["wechat_unionid": "oZx9QkUnionTk42LmPq"], "registered_at": "2025-11-11T09:00:00+08:00",
        "attributes": ["skin_type": "乾性", "hobby": "古董懷錶修復"], "occupation": "鋼琴調音師傅",
    ]
    /// Her second account: same phone, another platform id.
    static let gongMobile: JSONObject = [
        "name": "龔夢瑤", "phone": "+86 13977712358", "platform_ids": ["wechat_openid": "oMbl7OpenIdQz88Wx"],
    ]
    /// 龔夢遙: name, birthday and address close to 龔夢瑤's, another phone: a fuzzy match for review.
    static let near: JSONObject = [
        "name": "龔夢遙", "phone": "139 8882 4671", "email": "qiao.nianzu.k9@example.net", "birthday": "1987-09-23",
        "address": "杭州市西湖區文三路478號華星時代廣場A座1703室",
    ]
    /// 司徒翠微: referred by 龔夢瑤 (her code is added when pushed).
    static let situ: JSONObject = ["name": "司徒翠微", "phone": "137 6543 0918", "email": "situ.cuiwei@example.com", "birthday": "1992-02-29"]

    /// Every value above as it could be written down (the stored normalisations and Simplified folds too).
    static let scan = PlainTextScan(values: [
        .init(label: "name", spellings: ["龔夢瑤", "龚梦瑶", "龔夢遙", "龚梦遥", "司徒翠微"]),
        .init(label: "nickname", spellings: ["夢幻瑤光", "梦幻瑶光"]),
        .init(label: "phone", spellings: ["13977712358", "13988824671", "13765430918", "139 7771 2358"]),
        .init(label: "email", spellings: ["gong.mengyao.x7", "Gong.MengYao.X7", "qiao.nianzu.k9", "situ.cuiwei"]),
        .init(label: "birthday", spellings: ["1987-09-23", "1992-02-29"]),
        .init(label: "address", spellings: ["文三路478號華星", "文三路478号华星", "華星時代廣場A座1703", "华星时代广场A座1703"]),
        .init(label: "platform id", spellings: ["oZx9QkUnionTk42LmPq", "oMbl7OpenIdQz88Wx"]),
        .init(label: "attribute", spellings: ["古董懷錶修復", "古董怀表修复"]),
        .init(label: "occupation (beside the profile, kept in attributes and the raw object)", spellings: ["鋼琴調音師傅", "钢琴调音师傅"]),
    ])

    @Test("no personal value is found in plain text in a pg_dump of the database or in crmd's log after every feature ran")
    func nothingPlain() async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            let admin = try await crmd.adminClient()
            let ids: [String]
            do { ids = try await PlainTextScanTour.run(admin, crmd: crmd) } catch {
                Issue.record("the tour stopped: \(error)\ncrmd's log:\n\(crmd.process.log.suffix(3000))")
                throw error
            }
            await admin.close()
            #expect(ids.count == 3)
            let dump = try PostgresPrograms.dump(db)
            // The scan finds what is there: merchant text (a tag name, a campaign's message) is plain.
            let control = PlainTextScan(values: [.init(label: "tag", spellings: ["鋼琴"]), .init(label: "message", spellings: ["秋季新品"])])
            #expect(Set(control.hits(in: dump, source: "pg_dump").map { $0.prefix(2) }) == ["ta", "me"])
            #expect(crmd.process.log.contains("events pushed"), "the log scanned is crmd's")
            // With the key file, her sealed values open (what erasure must end, see below).
            let opened = try SealedValues.opened(in: try PostgresPrograms.dump(db), db: db).joined(separator: "\n")
            #expect(Set(Self.gongOnly.hits(in: opened, source: "opened").map { $0.prefix(4) }).count >= 5)
            let hits = Self.scan.hits(in: dump, source: "pg_dump") + Self.scan.hits(in: crmd.process.log, source: "crmd log")
            #expect(hits.isEmpty, "\(hits.count) personal values in plain text:\n\(hits.joined(separator: "\n"))")
        }
    }

    /// 龔夢瑤's values that no one else holds (龔夢遙 shares her birthday and address).
    static let gongOnly = PlainTextScan(values: [
        .init(label: "name", spellings: ["龔夢瑤", "龚梦瑶"]), .init(label: "nickname", spellings: ["夢幻瑤光", "梦幻瑶光"]),
        .init(label: "phone", spellings: ["13977712358"]), .init(label: "email", spellings: ["gong.mengyao.x7"]),
        .init(label: "platform id", spellings: ["oZx9QkUnionTk42LmPq", "oMbl7OpenIdQz88Wx"]),
        .init(label: "attribute", spellings: ["古董懷錶修復", "古董怀表修复"]), .init(label: "occupation", spellings: ["鋼琴調音師傅", "钢琴调音师傅"]),
    ])

    /// Whether this crmd has `member.erase` (the erasure half runs once it is part of the contract).
    static var canErase: Bool { JSONSerializer.serialize(OpenRPCDocument.make()).contains("\"member.erase\"") }

    @Test("after member.erase, nothing of the member can be read from a pg_dump even with the key file", .enabled(if: canErase))
    func nothingDecryptableAfterErasure() async throws {
        try await withTestDatabase { db in
            let crmd = try await RunningCRMD.start(db)
            defer { Task { await crmd.process.kill9() } }
            let admin = try await crmd.adminClient()
            let ids = try await PlainTextScanTour.run(admin, crmd: crmd)
            _ = try await admin.call("member.erase", ["member_id": .string(ids[0]), "reason": "個人信息刪除請求"])
            await admin.close()
            // Her key, and the key of her mobile account (made for the member it was before the phone merged it).
            let liveKeys = try await db.scalar(
                """
                SELECT count(*)::int FROM data_key k WHERE k.wrapped IS NOT NULL
                AND (k.member_id IN (SELECT id FROM member WHERE id = \(ids[0]) OR merged_into = \(ids[0]))
                     OR k.id IN (SELECT key_id FROM account WHERE member_id = \(ids[0])))
                """)
            #expect(liveKeys == 0)
            let dump = try PostgresPrograms.dump(db)
            let opened = try SealedValues.opened(in: dump, db: db).joined(separator: "\n")
            #expect(opened.contains("龔夢遙"), "the others' sealed values still open with the key file")
            let hits =
                Self.scan.hits(in: dump, source: "pg_dump") + Self.scan.hits(in: crmd.process.log, source: "crmd log")
                + Self.gongOnly.hits(in: opened, source: "a sealed value that opens")
            #expect(hits.isEmpty, "\(hits.count) of the erased member's values readable:\n\(hits.joined(separator: "\n"))")
        }
    }
}
