import CRMClient
import CRMJSON
import CRMPostgres
import CRMStorage
import Foundation
import Testing

/// Archiving a month of the points ledger (migration 25: `ledger.archive`, which `crmctl ledger
/// archive` calls, or `crm_archive_ledger_month` in psql): the month's effect is carried in narrow
/// rows, its partitions are detached, balances, lots and `crmctl verify` (`points.verify`) stay exact,
/// and a broken carried row is still found.
@Suite("archiving a ledger month")
struct LedgerArchiveTests {
    /// The first day of the month `offset` months from this one (UTC), as SQL.
    static func monthSQL(_ offset: Int) -> String {
        "(date_trunc('month', now() AT TIME ZONE 'UTC') + interval '\(offset) months')::date"
    }

    /// Archives the month `offset` months from this one, as the operator would in psql: its message, or
    /// the error's message.
    static func archive(_ server: TestServer, _ offset: Int) throws -> Result<String, PostgresError> {
        try server.database.withConnection { c in
            do {
                return .success(try c.query("SELECT crm_archive_ledger_month(\(monthSQL(offset)))").single!.decode(String.self, at: 0))
            } catch let e as PostgresError {
                return .failure(e)
            }
        }
    }

    /// `ledger.archive` of the month `YYYY_MM` (a partition's suffix) or as written.
    static func archive(_ admin: RPCClient, _ month: String) async throws -> JSONValue {
        try await admin.call("ledger.archive", ["month": .string(month.replacingOccurrences(of: "_", with: "-"))])
    }

    /// The kinds of the entries of month `YYYY_MM`.
    static func kinds(_ c: PostgresConnection, _ month: String) throws -> [String] {
        try c.query("SELECT DISTINCT kind FROM points_entry_\(month) ORDER BY 1").map { try $0.decode(String.self, at: 0) }
    }

    /// What the books say of the members: each one's balance, pending points, debt and lots.
    static func books(_ admin: RPCClient, _ members: [JSONValue]) async throws -> [String] {
        var out: [String] = []
        for m in members {
            let p = try await admin.points(m)
            out.append("\(m): \(p.balance) \(p.pending) \(p.debt) \(p.lots)")
        }
        return out
    }

    static func failed(_ report: JSONValue) -> [String] {
        report["checks"]!.arrayValue!.filter { $0["ok"] != true }.map { $0["name"]!.stringValue! }.sorted()
    }

    /// Two months back: two orders, a spending and an adjustment (points requests naming their entries);
    /// last month: a refund, an order, a merge, the unmerge and the adjustment's lot expired; this
    /// month: a refund. Returns the two members.
    static func ledgerOverThreeMonths(_ server: TestServer, _ admin: RPCClient) async throws -> (JSONValue, JSONValue) {
        let (_, _, _, first) = try await MonthIDPartitionTests.pushTwoMonthsBack(server, admin)
        let a = first[0]["member_id"]!
        let b = try await admin.paid("o2", order: "5002", member: "u-2", amount: "200.00", at: When.at(days: -40))
        _ = try await admin.redeem(a, 7, key: "spend-a")
        _ = try await admin.adjust(b, 5, key: "adjust-b")
        try server.database.withConnection { c in
            try c.query(
                "SELECT crm_ensure_month_partition(t::regclass, \(monthSQL(-1))) FROM unnest($1::text[]) t", [.textArray(MonthIDPartitionTests.tables)])
            try MonthIDPartitionTests.writeAsOf(c, monthsBack: 1)
        }
        _ = try await admin.push("sh01", [Events.refunded("r1", "web", order: "5001", refund: "R1", amount: "30.00")])
        _ = try await admin.paid("o3", order: "5003", member: "u-1", amount: "80.00", at: When.at(days: -10))
        let merged = try await admin.call("member.merge", ["member_id": a, "other_member_id": b, "reason": "same person"])
        _ = try await admin.call("member.unmerge", ["member_id": merged["member_id"]! == a ? b : a, "reason": "two people"])
        // TEST SUPPORT SQL: the adjustment's lot falls due.
        _ = try server.database.withConnection { c in try c.query("UPDATE points_lot SET expires_at = now() - interval '1 day' WHERE order_id IS NULL") }
        #expect(try await admin.expireAll(asOf: When.date(days: 0)).points == 5)
        try server.database.withConnection { c in try MonthIDPartitionTests.writeAsOf(c, monthsBack: 0) }
        _ = try await admin.push("sh01", [Events.refunded("r2", "web", order: "5002", refund: "R2", amount: "50.00")])
        return (a, b)
    }

    @Test(
        "two months archived after their orders (earnings, spending, refunds, a merge and unmerge, expiry): balances, lots and verify unchanged; expiry, earning and spending after them exact; refused twice, now, while its orders are live"
    )
    func archiveOldestMonth() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let (a, b) = try await Self.ledgerOverThreeMonths(server, admin)
            let before = try await Self.books(admin, [a, b])
            let verified = try await admin.verify()
            #expect(verified["ok"] == true)
            let back = try server.database.withConnection { c in try PartitionTests.month(c, -2) }

            // Its orders are still in shop_order (a refund reads their entries): refused, nothing changed.
            let live = await rpcError { try await Self.archive(admin, back) }
            #expect(live?.reason == "month_not_archivable" && live?.message.contains("shop_order_\(back)") == true, "\(String(describing: live))")
            // The orders' month archived first, then the ledger's.
            try server.database.withConnection { c throws in
                #expect(try c.query("SELECT count(*) FROM points_archived_month").single!.decode(Int.self, at: 0) == 0)
                try c.query("ALTER TABLE shop_order DETACH PARTITION shop_order_\(back)")
                try c.query("DROP TABLE shop_order_\(back)")
            }
            let done = try await Self.archive(admin, back)
            #expect(
                done["detached"] == .array([.string("points_entry_\(back)"), .string("points_entry_lot_\(back)")]) && done["kept"] == 2 && done["entries"] != 0)
            // Refused: the same month again, this month, last month (order 5003 is live), a month not YYYY-MM.
            let (now, middle) = try server.database.withConnection { c in (try PartitionTests.month(c, 0), try PartitionTests.month(c, -1)) }
            for (month, reason, words) in [
                (back, "already_archived", "archived already"), (now, "month_not_archivable", "is not over"),
                (middle, "month_not_archivable", "shop_order_\(middle)"), ("2026-13", "bad_date", "YYYY-MM"),
            ] {
                let e = await rpcError { try await Self.archive(admin, month) }
                #expect(e?.reason.rawValue == reason && e?.message.contains(words) == true, "\(month): \(String(describing: e))")
            }
            try server.database.withConnection { c throws in
                try c.query("DROP TABLE points_entry_\(back), points_entry_lot_\(back)")
                #expect(try c.query("SELECT count(*) FROM points_entry_kept").single!.decode(Int.self, at: 0) == 2)
            }
            // Last month too (refunds, a merge, an unmerge and expiry), once its orders are archived.
            try server.database.withConnection { c throws in
                #expect(
                    try Self.kinds(c, middle) == ["earn", "expire", "merge_in", "merge_out", "reverse", "unmerge_in", "unmerge_out"])
                try c.query("ALTER TABLE shop_order DETACH PARTITION shop_order_\(middle)")
            }
            #expect(try await Self.archive(admin, middle)["kept"] == 0)
            _ = try server.database.withConnection { c throws in try c.query("DROP TABLE points_entry_\(middle), points_entry_lot_\(middle)") }
            #expect(try await Self.books(admin, [a, b]) == before)
            let after = try await admin.verify()
            #expect(after["ok"] == true)
            #expect(after["totals"] == verified["totals"])
            // The entry-by-entry history of the archived months is gone; this month's stays.
            var history: [[String]] = []
            for m in [a, b] {
                history.append(try await admin.call("points.history", ["member_id": m, "limit": 100])["entries"]!.arrayValue!.map { $0["kind"]!.stringValue! })
            }
            #expect(history == [[], ["reverse"]])

            // Expiry, earning and spending go on exactly, on lots earned in the archived month too.
            let held = try await admin.points(a).balance
            let due: Int64 = try server.database.withConnection { c in
                // TEST SUPPORT SQL: the member's oldest lot (earned in the archived month) falls due.
                try c.query(
                    """
                    UPDATE points_lot SET expires_at = now() - interval '1 day'
                    WHERE id = (SELECT min(id) FROM points_lot WHERE member_id = $1::bigint AND remaining > 0) RETURNING remaining
                    """, [.text(a.stringValue ?? "\(a.int64Value!)")]
                ).single!.decode(at: 0)
            }
            #expect(due > 0 && due < held)
            #expect(try await admin.expireAll(asOf: When.date(days: 0)).points == due)
            _ = try await admin.paid("o4", order: "5004", member: "u-1", amount: "10.00", at: When.at(days: -20))
            let earned = try await admin.points(a).balance - (held - due)
            #expect(earned > 0)
            _ = try await admin.redeem(a, held - due + earned - 1, key: "spend-a-2")
            #expect(try await admin.points(a).balance == 1)
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("verify finds a broken carried-forward row of an archived month, a named entry lost, and an archived month attached again")
    func brokenCarriedRows() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await Self.ledgerOverThreeMonths(server, admin)
            let back = try server.database.withConnection { c in
                let back = try PartitionTests.month(c, -2)
                try c.query("ALTER TABLE shop_order DETACH PARTITION shop_order_\(back)")
                return back
            }
            // A month whose entries and lot changes disagree is refused: archiving would bury what verify reports.
            let skew = "UPDATE points_entry_lot_\(back) SET points = points + $1 WHERE entry_id = (SELECT min(entry_id) FROM points_entry_lot_\(back))"
            _ = try server.database.withConnection { c in try c.query(skew, [.int(1)]) }
            let refused = await rpcError { try await Self.archive(admin, back) }
            #expect(refused?.reason == "month_not_archivable" && refused?.message.contains("do not agree") == true, "\(String(describing: refused))")
            _ = try server.database.withConnection { c in try c.query(skew, [.int(-1)]) }
            _ = try await Self.archive(admin, back)
            #expect(try await admin.verify()["ok"] == true)
            let breakages: [(String, String, [String])] = [
                (
                    "UPDATE points_member_carried SET points_in = points_in + 1 WHERE kind = 'earn' AND member_id = (SELECT min(member_id) FROM points_member_carried)",
                    "UPDATE points_member_carried SET points_in = points_in - 1 WHERE kind = 'earn' AND member_id = (SELECT min(member_id) FROM points_member_carried)",
                    ["carried_rows_match_months", "member_matches_lots", "program_balances"]
                ),
                (
                    "UPDATE points_lot_carried SET points = points - 1 WHERE lot_id = (SELECT min(lot_id) FROM points_lot_carried)",
                    "UPDATE points_lot_carried SET points = points + 1 WHERE lot_id = (SELECT min(lot_id) FROM points_lot_carried)",
                    ["carried_rows_match_months", "lot_matches_entries"]
                ),
                (
                    "UPDATE points_entry_kept SET id = -id", "UPDATE points_entry_kept SET id = -id",
                    ["named_entries_exist"]
                ),
                (
                    "ALTER TABLE points_entry ATTACH PARTITION points_entry_\(back) FOR VALUES FROM (\(back.monthID << 40)) TO (\((back.monthID + 1) << 40))",
                    "ALTER TABLE points_entry DETACH PARTITION points_entry_\(back)",
                    ["archived_months_detached", "entry_matches_lots", "member_matches_lots", "program_balances"]
                ),
            ]
            for (breaking, mending, checks) in breakages {
                _ = try server.database.withConnection { c in try c.query(breaking) }
                #expect(Self.failed(try await admin.verify()) == checks, "\(breaking)")
                _ = try server.database.withConnection { c in try c.query(mending) }
                #expect(try await admin.verify()["ok"] == true)
            }
        }
    }

    @Test("a campaign's points given in an archived month: the report still counts them, the touches' entries are kept, verify stays clean")
    func campaignPointsArchived() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            try server.database.withConnection { c in
                try c.query(
                    "SELECT crm_ensure_month_partition(t::regclass, \(Self.monthSQL(-2))) FROM unnest($1::text[]) t",
                    [.textArray(MonthIDPartitionTests.tables)])
                try MonthIDPartitionTests.writeAsOf(c, monthsBack: 2)
            }
            let members = try await admin.members(3, prefix: "ar", region: "寧波")
            try server.database.grantConsent(members)
            _ = try await admin.call("segment.save", ["name": "寧波", "filter": ["region": ["寧波"]]])
            _ = try await admin.call("campaign.create", ["name": "ar", "segment": "寧波", "holdout_percent": 0, "action": ["kind": "points", "points": 30]])
            let (wave, _) = try await admin.launchWave("ar")
            #expect(wave["touched"] == 3)
            try server.database.withConnection { c in try MonthIDPartitionTests.writeAsOf(c, monthsBack: 0) }
            let before = try await admin.call("campaign.report", ["name": "ar"])
            guard case .success = try Self.archive(server, -2) else { Issue.record("not archived"); return }
            #expect(before["treated"]?["cost"] == "0.90")
            let after = try await admin.call("campaign.report", ["name": "ar"])
            #expect(after["arms"] == before["arms"] && after["waves"] == before["waves"])
            try server.database.withConnection { c throws in
                #expect(try c.query("SELECT count(*), sum(points) FROM points_entry_kept").single!.decode(Int.self, at: 0) == 3)
                #expect(try c.query("SELECT count(*) FROM points_entry WHERE kind = 'gift'").single!.decode(Int.self, at: 0) == 0)
            }
            for m in members { #expect(try await admin.points(m).balance == 30) }
            #expect(try await admin.failedChecks() == [])
        }
    }

    @Test(
        "crmctl ledger archive: a month that is over is archived and verify stays clean; the same month, this month and a month not YYYY-MM are refused, exit 1"
    )
    func crmctlArchive() async throws {
        try await PointsProcessTests.withDueLots(members: 2) { db, _, env in
            // Last month's partitions, made as crmd made them then (empty: the orders were written this month).
            let (last, now) = try db.withConnection { c in
                try c.query(
                    "SELECT crm_ensure_month_partition(t::regclass, \(Self.monthSQL(-1))) FROM unnest($1::text[]) t", [.textArray(MonthIDPartitionTests.tables)]
                )
                return (try PartitionTests.month(c, -1), try PartitionTests.month(c, 0))
            }
            let month = last.replacingOccurrences(of: "_", with: "-")
            let done = try await runBinary("crmctl", ["ledger", "archive", "--month", month], environment: env)
            #expect(done.status == 0 && done.stdout.contains("points_entry_lot_\(last)"), "\(done.stdout)\(done.stderr)")
            for (m, words) in [(month, "archived already"), (now.replacingOccurrences(of: "_", with: "-"), "is not over"), ("2026-13", "YYYY-MM")] {
                let refused = try await runBinary("crmctl", ["ledger", "archive", "--month", m], environment: env)
                #expect(refused.status == 1 && refused.stderr.contains(words), "\(m): \(refused.stdout)\(refused.stderr)")
            }
            let verify = try await runBinary("crmctl", ["verify"], environment: env)
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        }
    }
}

extension String {
    /// The month id (`id >> 40`) of a partition suffix `YYYY_MM`.
    fileprivate var monthID: Int {
        let parts = split(separator: "_").map { Int($0)! }
        return (parts[0] - 1970) * 12 + parts[1] - 1
    }
}
