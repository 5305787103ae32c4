import CRMClient
import CRMPostgres
import CRMProtocol
import Testing

/// Each report's numbers against SQL written independently in the test (correlated subqueries,
/// the playbook's default numbers as literals), over the fixture merchant.
@Suite("reports over the real server")
struct ReportTests {
    static let at = "TIMESTAMPTZ '2026-07-01T00:00:00+08:00'"

    /// One row per live member: last and first purchase, purchases and spend in the year and ever, seasons mask and channels in the year.
    static let perMember = """
        WITH p AS (SELECT a.member_id AS mid, o.paid_at, o.amount_fen - o.refunded_fen AS net, o.channel FROM shop_order o JOIN account a ON a.id = o.account_id
                   WHERE o.refunded_fen < o.amount_fen AND o.paid_at <= \(at)),
        y AS (SELECT * FROM p WHERE paid_at > \(at) - interval '365 days')
        SELECT m.id,
               (SELECT extract(epoch FROM \(at) - max(paid_at)) / 86400 FROM p WHERE p.mid = m.id) AS since_last,
               (SELECT extract(epoch FROM \(at) - min(paid_at)) / 86400 FROM p WHERE p.mid = m.id) AS since_first,
               (SELECT count(*) FROM y WHERE y.mid = m.id) AS n, (SELECT COALESCE(sum(net), 0) FROM y WHERE y.mid = m.id) AS s,
               (SELECT count(*) FROM p WHERE p.mid = m.id) AS ever,
               (SELECT count(DISTINCT CASE WHEN extract(month FROM paid_at AT TIME ZONE 'Asia/Shanghai') IN (12, 1, 2) THEN 'w'
                                            WHEN extract(month FROM paid_at AT TIME ZONE 'Asia/Shanghai') IN (3, 4, 5) THEN 'sp'
                                            WHEN extract(month FROM paid_at AT TIME ZONE 'Asia/Shanghai') IN (6, 7, 8) THEN 'su' ELSE 'a' END)
                FROM y WHERE y.mid = m.id) AS seasons,
               (SELECT string_agg(DISTINCT channel, '+' ORDER BY channel) FROM p WHERE p.mid = m.id) AS channels,
               (SELECT count(*) FROM p WHERE p.mid = m.id AND paid_at > \(at) - interval '182 days') AS recent
        FROM member m WHERE m.merged_into IS NULL
        """

    struct Row {
        var sinceLast: Double?
        var sinceFirst: Double?
        var n: Int64
        var s: Int64
        var ever: Int64
        var seasons: Int64
        var channels: String?
        var recent: Int64
    }

    static func rows(_ server: TestServer) throws -> [Row] {
        try server.database.withConnection { c in
            try c.query(perMember).map {
                Row(
                    sinceLast: try $0.decode(at: 1), sinceFirst: try $0.decode(at: 2), n: try $0.decode(at: 3), s: try $0.decode(at: 4),
                    ever: try $0.decode(at: 5), seasons: try $0.decode(at: 6), channels: try $0.decode(at: 7), recent: try $0.decode(at: 8))
            }
        }
    }

    static func counts(_ items: [JSONValue], key: String) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for i in items { out[i[key]!.cellKey] = i["members"]!.int64Value! }
        return out
    }

    @Test("RFM, pyramid, purchase groups, lifecycle, seasons, repurchase, channels and levels match independent SQL")
    func reportsMatchSQL() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await SegmentFixture.load(admin)
            let asOf: JSONValue = ["as_of": .string(SegmentFixture.asOf)]
            let rows = try Self.rows(server)
            #expect(rows.count == 7)
            try await Self.checkRFM(admin, rows, asOf)
            try await Self.checkPyramid(admin, rows, asOf)
            try await Self.checkPurchaseGroups(admin, rows, asOf)
            try await Self.checkLifecycle(admin, rows, asOf)
            try await Self.checkSeasons(admin, rows, asOf)
            try await Self.checkRepurchase(admin, rows, asOf)
            try await Self.checkChannels(admin, rows)
            try await Self.checkLevels(admin, server)
            try await Self.checkSettingsChangeReports(admin, asOf)
        }
    }

    /// RFM: every cell.
    static func checkRFM(_ admin: RPCClient, _ rows: [Row], _ asOf: JSONValue) async throws {
        let rfm = try await admin.call("report.rfm", asOf)
        var want: [String: Int64] = [:]
        for r in rows {
            let rb: Int = r.sinceLast.map { d in d <= 30 ? 1 : d <= 90 ? 2 : d <= 180 ? 3 : d <= 365 ? 4 : 5 } ?? 0
            let fb: Int = r.n >= 3 ? 3 : Int(r.n)
            let mb: Int = r.s == 0 ? 0 : r.s <= 10_000 ? 1 : r.s <= 20_000 ? 2 : r.s <= 30_000 ? 3 : 4
            want["\(rb)\(fb)\(mb)", default: 0] += 1
        }
        var got: [String: Int64] = [:]
        for c in rfm["cells"]!.arrayValue! { got["\(c["r"]!.int64Value!)\(c["f"]!.int64Value!)\(c["m"]!.int64Value!)"] = c["members"]!.int64Value! }
        #expect(got == want)
        #expect(rfm["members"] == 7)
        #expect(Self.counts(rfm["r"]!.arrayValue!, key: "band") == ["0": 1, "1": 2, "2": 1, "3": 0, "4": 1, "5": 2])
        #expect(rfm["m"]!.arrayValue![4]["label"] == ">300.00")
    }

    static func checkPyramid(_ admin: RPCClient, _ rows: [Row], _ asOf: JSONValue) async throws {
        let pyramid = try await admin.call("report.pyramid", asOf)
        var tiers: [String: Int64] = ["top": 0, "second": 0, "third": 0, "bottom": 0, "other": 0]
        for r in rows {
            let t =
                r.n >= 3 && Double(r.s) / Double(r.n) > 30_000
                ? "top"
                : r.n == 2 && (20_000...30_000).contains(Double(r.s) / 2)
                    ? "second"
                    : r.n == 1 && (10_000...20_000).contains(r.s) ? "third" : r.n == 1 && r.s < 10_000 ? "bottom" : "other"
            tiers[t, default: 0] += 1
        }
        #expect(Self.counts(pyramid["tiers"]!.arrayValue!, key: "tier") == tiers)
        #expect(tiers == ["top": 1, "second": 1, "third": 1, "bottom": 1, "other": 3])
        #expect(pyramid["tiers"]!.arrayValue![0]["spend"] == "1350.00")
    }

    static func checkPurchaseGroups(_ admin: RPCClient, _ rows: [Row], _ asOf: JSONValue) async throws {
        let groups = try await admin.call("report.purchase_groups", asOf)
        var g: [String: Int64] = [:]
        for r in rows {
            let k =
                r.n >= 3
                ? "3+_in_year"
                : r.n == 2 ? "2_in_year" : r.n == 1 ? "1_in_year" : r.ever >= 2 ? "2+_ever_none_in_year" : r.ever == 1 ? "1_ever_none_in_year" : "never"
            g[k, default: 0] += 1
        }
        #expect(Self.counts(groups["groups"]!.arrayValue!, key: "group").filter { $0.value > 0 } == g)
    }

    /// Lifecycle with the default thresholds.
    static func checkLifecycle(_ admin: RPCClient, _ rows: [Row], _ asOf: JSONValue) async throws {
        let life = try await admin.call("report.lifecycle", asOf)
        var stages: [String: Int64] = [:]
        for r in rows {
            let k: String
            if let last = r.sinceLast, let first = r.sinceFirst {
                k = first <= 30 ? "new" : last <= 90 ? "active" : last <= 180 ? "silent" : last <= 365 ? "sleeping" : "churned"
            } else {
                k = "prospect"
            }
            stages[k, default: 0] += 1
        }
        #expect(Self.counts(life["stages"]!.arrayValue!, key: "stage").filter { $0.value > 0 } == stages)
        #expect(life["thresholds"]?["active_days"] == 90)
    }

    static func checkSeasons(_ admin: RPCClient, _ rows: [Row], _ asOf: JSONValue) async throws {
        let seasons = try await admin.call("report.seasons", asOf)
        var bySeasons: [String: Int64] = [:]
        for r in rows where r.n > 0 { bySeasons[String(r.seasons), default: 0] += 1 }
        #expect(Self.counts(seasons["by_seasons"]!.arrayValue!, key: "seasons").filter { $0.value > 0 } == bySeasons)
        #expect(seasons["at_risk"]!.int64Value! == Int64(rows.filter { $0.n > 0 && $0.recent == 0 }.count))
    }

    static func checkRepurchase(_ admin: RPCClient, _ rows: [Row], _ asOf: JSONValue) async throws {
        let rep = try await admin.call("report.repurchase", asOf)
        let buyers = rows.filter { $0.n >= 1 }.count, repeaters = rows.filter { $0.n >= 2 }.count
        #expect(rep["buyers_in_window"]!.int64Value! == Int64(buyers))
        #expect(rep["repeat_buyers_in_window"]!.int64Value! == Int64(repeaters))
        #expect(rep["repeat_buyers_ever"]!.int64Value! == Int64(rows.filter { $0.ever >= 2 }.count))
        let spend = rows.reduce(0) { $0 + $1.s }
        #expect(rep["spend_in_window"]!.stringValue! == "\(spend / 100).\(String(format: "%02d", spend % 100))")
        let old = rows.filter { ($0.sinceFirst ?? 0) >= 365 }.reduce(0) { $0 + $1.s }
        #expect(rep["old_customer_spend"]!.stringValue! == "\(old / 100).\(String(format: "%02d", old % 100))")
        #expect(rep["repurchase_rate_in_window"] == "50.0")  // A and B of A, B, C, E
    }

    /// Channels (ever): combinations and members buying in several.
    static func checkChannels(_ admin: RPCClient, _ rows: [Row]) async throws {
        let ch = try await admin.call("report.channels", [:])
        var combos: [String: Int64] = [:]
        for r in rows { if let c = r.channels { combos[c, default: 0] += 1 } }
        // concat_ws keeps the channels' declared order; the SQL sorted them: compare as sets of names.
        var gotCombos: [String: Int64] = [:]
        for c in ch["combinations"]!.arrayValue! {
            gotCombos[c["channels"]!.stringValue!.split(separator: "+").sorted().joined(separator: "+"), default: 0] += c["members"]!.int64Value!
        }
        #expect(gotCombos == combos)
        #expect(ch["multi_channel"]!.int64Value! == combos.filter { $0.key.contains("+") }.reduce(0) { $0 + $1.value })
        #expect(ch["multi_channel"] == 1)  // A: web and mobile
    }

    static func checkLevels(_ admin: RPCClient, _ server: TestServer) async throws {
        let levels = try await admin.call("report.levels", [:])
        let sqlLevels: [String: Int64] = try server.database.withConnection { c in
            var out: [String: Int64] = [:]
            for row in try c.query(
                """
                SELECT COALESCE((SELECT level_code FROM member_level l WHERE l.member_id = m.id), 'regular'), count(*)
                FROM member m WHERE merged_into IS NULL GROUP BY 1
                """)
            { out[try row.decode(at: 0)] = try row.decode(at: 1) }
            return out
        }
        #expect(Self.counts(levels["levels"]!.arrayValue!, key: "code").filter { $0.value > 0 } == sqlLevels)
        #expect(sqlLevels == ["regular": 6, "senior": 1])
    }

    /// Derived lifecycle thresholds come from the repurchase intervals; configured bands change the report.
    static func checkSettingsChangeReports(_ admin: RPCClient, _ asOf: JSONValue) async throws {
        _ = try await admin.call("config.set", ["name": "segments", "value": ["lifecycle": ["mode": "derived"]]])
        let derived = try await admin.call("report.lifecycle", asOf)
        #expect(derived["mode"] == "derived")
        #expect(derived["repurchase_intervals"]?["count"] == 6)  // A 4, B 1, D 1
        #expect(derived["stages"]!.arrayValue!.reduce(0) { $0 + $1["members"]!.int64Value! } == 7)
        _ = try await admin.call("config.set", ["name": "segments", "value": ["rfm": ["monetary": ["1000"], "window_days": 730]]])
        let rfm2 = try await admin.call("report.rfm", asOf)
        #expect(Self.counts(rfm2["m"]!.arrayValue!, key: "band") == ["0": 1, "1": 5, "2": 1])
        #expect(
            await rpcError { try await admin.call("config.set", ["name": "segments", "value": ["rfm": ["recency_days": [90, 30]]]]) }?.reason == "bad_setting")
    }
}

extension JSONValue {
    /// A value as a dictionary key in tests: strings as they are, numbers as written.
    var cellKey: String {
        switch self {
        case .string(let s): return s
        case .number(let n): return n
        default: return "\(self)"
        }
    }
}
