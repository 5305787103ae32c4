import CRMClient
import CRMDomain
import CRMJSON
import CRMPostgres
import CRMProtocol
import CRMStorage
import Testing

/// `campaign.report` over a constructed campaign whose every figure is known (worked out in the
/// comments below and in docs/campaigns.md's reading rules (Reading a report)): members, merges, coupons and
/// points through the API, orders and refunds through sync.push, and — as test support, because
/// the launch is another part of the product — the campaign, its occasions and touches inserted
/// with SQL exactly as a launch records them.
///
/// Occasion 1 starts 2026-09-01 00:00 +08:00, occasion 2 (the wave over non-responders) 09-15;
/// the window is 10 days; only shop sh01 counts. Coupons are ¥5 off; points cost 200 each touch at
/// 100 points a yuan (¥2).
///
/// | member | arm | occasion 1 | occasion 2 | orders (sh01 unless said) |
/// | --- | --- | --- | --- | --- |
/// | k1 | control | held_out | — | 08-01 ¥50 (old customer), 09-05 ¥100 |
/// | k2 | control | held_out | held_out | 09-12 ¥80 (between windows), 09-20 ¥60 |
/// | k3 | control | held_out | held_out | 09-03 ¥300 in sh02 (out of scope) |
/// | k4 | control | held_out | held_out | 09-06 ¥200 wholly refunded |
/// | k5 | control | no_consent | — | 09-05 ¥500 (excluded) |
/// | a1 | coupon | touched, redeemed | — | 07-01 ¥20 (old), 09-02 ¥150, 09-04 ¥50 |
/// | a2 | coupon | touched, redeemed | — | 09-08 ¥100 refunded ¥30 |
/// | a3 | coupon | touched | touched | 09-16 ¥90 |
/// | a4 | coupon | touched | — | 09-07 ¥120 by a later account merged into a4 |
/// | a5 | coupon | no_consent | — | — |
/// | p1 | points | touched | — | 09-03 ¥80 |
/// | p2 | points | touched | — | merged into p1 after launch: counts as p1 (once) |
/// | p3 | points | touched | — | merged into y (not in the campaign): y's 06-01 ¥10 (old), 09-09 ¥40 |
/// | p4 | points | budget | touched | — |
/// | p5 | points | refused | — | 09-05 ¥30 |
@Suite("campaign.report over the real server")
struct CampaignReportTests {
    static let name = "秋季回購"

    @Test("a constructed campaign gives exactly the known rates, uplift and interval, incremental GMV, cost and 核銷率")
    func knownAnswer() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let ids = try await Self.members(admin)
            try await Self.orders(admin)
            let (coupons, entries) = try await Self.rewards(admin, server, ids)
            try Self.insertCampaign(server, ids, coupons: coupons, entries: entries)
            try await Self.merge(admin, server, ids)
            let r = try await admin.call("campaign.report", ["name": .string(Self.name)])
            try Self.checkOccasion1(r["waves"]!.arrayValue![0])
            try Self.checkOccasion2(r["waves"]!.arrayValue![1])
            try Self.checkTotal(r)
            let only2 = try await admin.call("campaign.report", ["name": .string(Self.name), "occasion": 2])
            #expect(only2["occasion"] == 2 && only2["waves"]?.arrayValue?.count == 1)
            #expect(only2["treated"] == r["waves"]!.arrayValue![1]["treated"] && only2["control"] == r["waves"]!.arrayValue![1]["control"])
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            #expect(try await analyst.call("campaign.report", ["name": .string(Self.name)])["treated"] == r["treated"])
            let missing = await rpcError { try await admin.call("campaign.report", ["name": "no such campaign"]) }
            #expect(missing?.reason.rawValue == "campaign_not_found")
            let noWave = await rpcError { try await admin.call("campaign.report", ["name": .string(Self.name), "occasion": 3]) }
            #expect(noWave?.reason.rawValue == "campaign_not_found")
            // A campaign not launched yet reports empty arms and no comparison.
            _ = try server.database.withConnection { c in
                try c.query(
                    "INSERT INTO campaign (name, definition, seed, created_by) SELECT 'draft', definition, 1, 'test' FROM campaign WHERE name = $1",
                    [.text(Self.name)])
            }
            let draft = try await admin.call("campaign.report", ["name": "draft"])
            #expect(draft["status"] == "draft" && draft["treated"]?["members"] == 0 && draft["uplift"] == .null && draft["waves"] == [])
            #expect(draft["treated"]?["response_rate"] == .null && draft["incremental_gmv"] == .null)
        }
    }

    /// Occasion 1: control 1 of 4 (k1 ¥100); coupon 3 of 4 (a1 ¥150+¥50, a2 ¥70, a4 ¥120); points 3 of
    /// 4 kept (p1 ¥80, p3 via y ¥40, p5 ¥30; p2 merged into p1).
    static func checkOccasion1(_ w: JSONValue) throws {
        try expectArm(w["control"]!, members: 4, responders: 1, rate: "0.2500", orders: 1, gmv: "100.00", old: "100.00", noConsent: 1)
        let arms = try #require(w["arms"]?.arrayValue)
        #expect(arms.map { $0["arm"]!.stringValue! } == ["coupon", "points", "control"])
        try expectArm(arms[0], members: 4, responders: 3, rate: "0.7500", orders: 4, gmv: "390.00", old: "200.00", noConsent: 1)
        #expect(arms[0]["old_customer_share"] == "51.3" && arms[0]["touched"] == 4)
        #expect(arms[0]["coupons_issued"] == 4 && arms[0]["coupons_redeemed"] == 2 && arms[0]["redemption_rate"] == "0.5000" && arms[0]["cost"] == "10.00")
        try expectArm(arms[1], members: 4, responders: 3, rate: "0.7500", orders: 3, gmv: "150.00", old: "40.00", noConsent: 0)
        #expect(arms[1]["touched"] == 3 && arms[1]["refused"] == 1 && arms[1]["budget"] == 1 && arms[1]["merged"] == 1 && arms[1]["cost"] == "6.00")
        #expect(arms[1]["redemption_rate"] == .null)
        try expectArm(w["treated"]!, members: 8, responders: 6, rate: "0.7500", orders: 7, gmv: "540.00", old: "240.00", noConsent: 1)
        #expect(w["treated"]!["cost"] == "16.00")
        try expectUplift(w["uplift"]!, treated: (8, 6), control: (4, 1))
        // 7 orders against 1 × 8/4 = 2; ¥540 against ¥100 × 8/4 = ¥200; ¥340 / ¥16.
        #expect(w["incremental_orders"] == 5 && w["incremental_gmv"] == "340.00" && w["incremental_gmv_per_yuan"] == "21.25")
        let c = try #require(w["comparisons"]?.arrayValue)
        #expect(
            c.map { "\($0["arm"]!.stringValue!)/\($0["against"]!.stringValue!)" } == ["treated/control", "coupon/control", "points/control", "coupon/points"])
        #expect(c[1]["incremental_orders"] == 3 && c[1]["incremental_gmv"] == "290.00" && c[1]["incremental_gmv_per_yuan"] == "29.00")
        #expect(c[2]["incremental_orders"] == 2 && c[2]["incremental_gmv"] == "50.00" && c[2]["incremental_gmv_per_yuan"] == "8.33")
        #expect(c[3]["uplift"]?["value"] == "0.0000" && c[3]["incremental_gmv"] == "240.00" && c[3]["incremental_gmv_per_yuan"] == .null)
    }

    /// Occasion 2, the non-responders: control k2 ¥60 of k2, k3, k4; coupon a3 ¥90; points p4 nothing.
    static func checkOccasion2(_ w: JSONValue) throws {
        #expect(w["occasion"] == 2 && w["window_open"] == false && w["done"] == true)
        try expectArm(w["control"]!, members: 3, responders: 1, rate: "0.3333", orders: 1, gmv: "60.00", old: "0.00", noConsent: 0)
        try expectArm(w["treated"]!, members: 2, responders: 1, rate: "0.5000", orders: 1, gmv: "90.00", old: "0.00", noConsent: 0)
        #expect(w["treated"]!["cost"] == "2.00" && w["treated"]!["coupons_issued"] == 1 && w["treated"]!["redemption_rate"] == "0.0000")
        try expectUplift(w["uplift"]!, treated: (2, 1), control: (3, 1))
        // ¥90 against ¥60 × 2/3 = ¥40.
        #expect(w["incremental_gmv"] == "50.00" && w["incremental_orders"] == 0 && w["incremental_gmv_per_yuan"] == "25.00")
    }

    /// In total each member once: control 2 of 4 (k1 ¥100, k2 ¥60); treated 7 of 8 (a1–a4, p1, p3, p5).
    static func checkTotal(_ r: JSONValue) throws {
        #expect(r["name"] == .string(name) && r["window_days"] == 10 && r["scope_shops"] == ["sh01"] && r["occasion"] == .null)
        try expectArm(r["control"]!, members: 4, responders: 2, rate: "0.5000", orders: 2, gmv: "160.00", old: "100.00", noConsent: 1)
        try expectArm(r["treated"]!, members: 8, responders: 7, rate: "0.8750", orders: 8, gmv: "630.00", old: "240.00", noConsent: 1)
        let t = r["treated"]!
        #expect(t["touched"] == 9 && t["refused"] == 1 && t["budget"] == 1 && t["merged"] == 1)
        // Coupons: 5 issued (a3 twice), 2 redeemed for ¥10; points 800 = ¥8.
        #expect(t["coupons_issued"] == 5 && t["coupons_redeemed"] == 2 && t["redemption_rate"] == "0.4000" && t["cost"] == "18.00")
        try expectUplift(r["uplift"]!, treated: (8, 7), control: (4, 2))
        // 8 orders against 2 × 8/4 = 4; ¥630 against ¥160 × 2 = ¥320; ¥310 / ¥18 = 17.22.
        #expect(r["incremental_orders"] == 4 && r["incremental_gmv"] == "310.00" && r["incremental_gmv_per_yuan"] == "17.22")
        #expect(r["uplift"]?["value"] == "0.3750")
    }

    static func expectArm(
        _ a: JSONValue, members: Int64, responders: Int64, rate: String, orders: Int64, gmv: String, old: String, noConsent: Int64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(a["members"]?.int64Value == members, "members of \(a)", sourceLocation: sourceLocation)
        #expect(a["responders"]?.int64Value == responders, "responders of \(a)", sourceLocation: sourceLocation)
        #expect(a["response_rate"]?.stringValue == rate, "rate of \(a)", sourceLocation: sourceLocation)
        #expect(a["orders"]?.int64Value == orders, "orders of \(a)", sourceLocation: sourceLocation)
        #expect(a["gmv"]?.stringValue == gmv, "gmv of \(a)", sourceLocation: sourceLocation)
        #expect(a["old_customer_gmv"]?.stringValue == old, "old customers' gmv of \(a)", sourceLocation: sourceLocation)
        #expect(a["no_consent"]?.int64Value == noConsent, "no_consent of \(a)", sourceLocation: sourceLocation)
    }

    /// The uplift and interval as ResponseComparison computes them, and the interval by hand:
    /// d ± 1.96 × √(pt(1−pt)/nt + pc(1−pc)/nc).
    static func expectUplift(_ u: JSONValue, treated: (Int64, Int64), control: (Int64, Int64), sourceLocation: SourceLocation = #_sourceLocation) throws {
        let c = ResponseComparison(treated: .init(members: treated.0, responders: treated.1), control: .init(members: control.0, responders: control.1))
        let x = try #require(c.uplift)
        let pt = Double(treated.1) / Double(treated.0), pc = Double(control.1) / Double(control.0)
        let half = 1.959_963_984_540_054 * (pt * (1 - pt) / Double(treated.0) + pc * (1 - pc) / Double(control.0)).squareRoot()
        #expect(abs(x.low - (pt - pc - half)) < 1e-12 && abs(x.high - (pt - pc + half)) < 1e-12, sourceLocation: sourceLocation)
        #expect(u["value"]?.stringValue == CampaignFigureText.fraction(x.value), sourceLocation: sourceLocation)
        #expect(u["ci_low"]?.stringValue == CampaignFigureText.fraction(x.low), sourceLocation: sourceLocation)
        #expect(u["ci_high"]?.stringValue == CampaignFigureText.fraction(x.high), sourceLocation: sourceLocation)
    }
}
