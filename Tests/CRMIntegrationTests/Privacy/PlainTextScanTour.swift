import CRMClient
import CRMProtocol
import Foundation
import Testing

/// Every feature that reads or writes members, run over the scan test's people through a real
/// crmd: pushes and identity (key merge, fuzzy review, referral), lookups, merges and unmerges,
/// tags, segments with personal conditions, exports, coupons, notices, campaigns, points and reports.
enum PlainTextScanTour {
    typealias People = PlainTextScanTests

    /// Runs the tour; returns the member ids of 龔夢瑤, 龔夢遙 and 司徒翠微.
    static func run(_ admin: RPCClient, crmd: RunningCRMD) async throws -> [String] {
        _ = try await admin.call("shop.create", ["code": "sh02"])
        let (gong, near, situ) = try await push(admin)
        try await lookups(admin, gong: gong)
        try await identity(admin, gong: gong, near: near)
        _ = try await admin.call("consent.set", ["member_id": .string(gong), "channel": "sms", "granted": true, "source": "store_paper"])
        try await audiences(admin, crmd: crmd)
        try await loyalty(admin, gong: gong, situ: situ)
        return [gong, near, situ]
    }

    static func applied(_ results: [JSONValue]) -> [String] {
        for r in results { #expect(r["status"]?.stringValue == "applied", "\(r)") }
        return results.map { $0["member_id"]?.stringValue ?? "" }
    }

    /// The people, their orders (one refunded) and a referral.
    static func push(_ admin: RPCClient) async throws -> (String, String, String) {
        let first = applied(
            try await admin.push(
                "sh01",
                [
                    Events.upsert("p-1", "web", "w-gong", People.gong), Events.upsert("p-2", "mobile", "m-gong", People.gongMobile),
                    Events.paid("o-1", "web", order: "G1", member: "w-gong", amount: "1299.00"),
                    Events.paid("o-2", "mobile", order: "G2", member: "m-gong", amount: "200.00"),
                    Events.refunded("o-3", "mobile", order: "G2", refund: "GR2", amount: "200.00"),
                ]))
        #expect(first[0] == first[1], "the second account merges by phone")
        let near = applied(try await admin.push("sh02", [Events.upsert("q-1", "web", "w-near", People.near)]))[0]
        let code = try await admin.call("referral.link", ["member_id": .string(first[0])])["code"]!.stringValue!
        var situ = People.situ
        situ["referral_code"] = .string(code)
        let referred = applied(
            try await admin.push(
                "sh01", [Events.upsert("r-1", "mobile", "m-situ", situ), Events.paid("o-4", "mobile", order: "S1", member: "m-situ", amount: "399.00")]))
        // Found by her platform id from another shop; 司徒翠微's phone on a second account of one shop
        // channel is kept apart by a guard (its flag shows the phone masked).
        let byPlatform = applied(
            try await admin.push("sh02", [Events.upsert("p-3", "group_buy", "g-gong", ["platform_ids": ["wechat_unionid": "oZx9QkUnionTk42LmPq"]])]))
        #expect(byPlatform == [first[0]])
        let guarded = applied(try await admin.push("sh01", [Events.upsert("r-2", "mobile", "m-situ2", ["phone": "137 6543 0918"])]))
        #expect(guarded != [referred[0]])
        return (first[0], near, referred[0])
    }

    /// Lookups by every key a person is found by.
    static func lookups(_ admin: RPCClient, gong: String) async throws {
        for params: JSONValue in [
            ["phone": "13977712358"], ["email": "gong.mengyao.x7@example.org"], ["member_id": .string(gong)],
            ["shop": "sh01", "channel": "mobile", "external_id": "m-gong"],
        ] {
            let got = try await admin.member(params)
            #expect(got["member_id"]?.stringValue == gong, "member.get \(params)")
            #expect(got["name"]?.stringValue == "龔夢瑤")
        }
        let found = try await admin.call("member.find", ["query": "龔夢"])["members"]?.arrayValue ?? []
        #expect(found.contains { $0["member_id"]?.stringValue == gong })
        let bySuffix = try await admin.call("member.find", ["query": "2358"])["members"]?.arrayValue ?? []
        #expect(bySuffix.contains { $0["member_id"]?.stringValue == gong })
        _ = try await admin.call("member.history", ["member_id": .string(gong)])
        _ = try await admin.call("member.benefits", ["phone": "13977712358"])
    }

    /// The review queue, a merge by hand and its undoing.
    static func identity(_ admin: RPCClient, gong: String, near: String) async throws {
        let items = try await admin.call("review.list", ["type": "match"])["items"]?.arrayValue ?? []
        #expect(!items.isEmpty, "the close name, birthday and address wait for review")
        let guards = try await admin.call("review.list", ["type": "guard"])["items"]?.arrayValue ?? []
        #expect(guards.contains { $0["guard"]?["value"]?.stringValue == "137****0918" }, "\(guards)")
        let merged = try await admin.call("member.merge", ["member_id": .string(gong), "other_member_id": .string(near), "reason": "same person"])
        let mergeID = merged["merge_id"]!
        _ = try await admin.member(["member_id": .string(near)])
        _ = try await admin.call("member.unmerge", ["merge_id": mergeID, "reason": "not the same"])
        let back = try await admin.member(["member_id": .string(near)])
        #expect(back["name"]?.stringValue == "龔夢遙", "the unmerge restores her golden record")
    }

    /// Tags, tag rules, segments with personal conditions, previews and exports, a campaign.
    static func audiences(_ admin: RPCClient, crmd: RunningCRMD) async throws {
        _ = try await admin.call("tag.define", ["name": "鋼琴"])
        _ = try await admin.call("tag.rule.add", ["name": "文三路", "tag": "鋼琴", "match": ["address_contains": ["文三路"]]])
        // Every condition on a personal field, each compared through the blind indexes (the filter's own
        // words are the merchant's, kept as written: none of them is one of the scanned values).
        let filter: JSONValue = [
            "or": [
                ["region": ["杭州"]], ["purchases": ["min": 1]], ["address": ["keywords": ["西湖區"]]], ["email_domain": ["example.org"]],
                ["birthday": ["months": [9]]], ["age": ["min": 30, "max": 45]], ["attribute": ["name": "skin_type", "equals": "乾性"]],
            ]
        ]
        let personal: JSONValue = [
            "and": [
                ["address": ["keywords": ["西湖區"]]], ["email_domain": ["example.org"]], ["birthday": ["months": [9]]], ["age": ["min": 30, "max": 45]],
                ["attribute": ["name": "skin_type", "equals": "乾性"]],
            ]
        ]
        let matched = try await admin.call("segment.preview", ["filter": personal])
        #expect(matched["count"]?.int64Value == 1, "龔夢瑤 alone meets every personal condition: \(matched)")
        _ = try await admin.call("segment.save", ["name": "文三路客", "filter": filter])
        let preview = try await admin.call("segment.preview", ["name": "文三路客"])
        #expect((preview["count"]?.int64Value ?? 0) >= 1)
        _ = try await admin.call("segment.export", ["name": "文三路客"])
        _ = try await admin.call("segment.tag", ["name": "文三路客", "tag": "鋼琴"])
        for report in ["report.rfm", "report.lifecycle", "report.channels"] { _ = try await admin.call(report, [:]) }
        try await withTemporaryDirectory { directory in
            let out = try await runBinary(
                "crmctl", ["segment", "export", "文三路客", "--out", directory + "/export.csv"], environment: crmd.clientEnvironment(token: crmd.adminToken))
            #expect(out.status == 0, "\(out.stderr)")
        }
        _ = try await admin.call("campaign.create", ["name": "秋季", "segment": "文三路客", "action": ["kind": "notice", "message": "秋季新品"], "holdout_percent": 0])
        let launched = try await admin.call("campaign.launch", ["name": "秋季"])
        #expect((launched["touched"]?.int64Value ?? 0) >= 1)
        _ = try await admin.call("campaign.touches", ["name": "秋季"])
    }

    /// Points, coupons, consent and notices, referrals.
    static func loyalty(_ admin: RPCClient, gong: String, situ: String) async throws {
        _ = try await admin.call("points.adjust", ["member_id": .string(gong), "points": 500, "idempotency_key": "scan-1", "reason": "welcome"])
        _ = try await admin.call("points.redeem", ["member_id": .string(gong), "points": 100, "idempotency_key": "scan-2", "reason": "voucher"])
        _ = try await admin.call("points.history", ["member_id": .string(gong)])
        _ = try await admin.call("points.expiring", ["within_days": 3650])
        _ = try await admin.call("coupon.template.add", ["name": "滿100減3", "kind": "amount", "value": "3.00", "min_spend": "100.00"])
        _ = try await admin.call("coupon.issue", ["template": "滿100減3", "member_id": .string(gong), "idempotency_key": "scan-3"])
        _ = try await admin.call("coupon.issue", ["template": "滿100減3", "segment": "文三路客", "idempotency_key": "scan-4"])
        _ = try await admin.call("coupon.list", ["member_id": .string(gong)])
        _ = try await admin.call("consent.get", ["member_id": .string(gong), "history": true])
        _ = try await admin.call("notice.scan", ["within_days": 365])
        let notices = try await admin.call("notice.pull", ["limit": 1000])["notices"]?.arrayValue ?? []
        if let last = notices.last?["id"] { _ = try await admin.call("notice.ack", ["through": last]) }
        let referral = try await admin.call("referral.get", ["member_id": .string(gong)])
        #expect(referral["referred"]?.arrayValue?.first?["member_id"]?.stringValue == situ)
        _ = try await admin.call("referral.stats", [:])
        _ = try await admin.call("points.verify", [:])
    }
}
