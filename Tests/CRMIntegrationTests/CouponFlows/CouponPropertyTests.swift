import CRMClient
import CRMDomain
import CRMProtocol
import Testing

/// The ledger property test (`LedgerPropertyTests`) with coupons in the sequence: issued by tier
/// rules, by an operator and for points, redeemed in `order.paid`, released by refunds, expired,
/// moved by merges and unmerges. The points books and the coupon books stay clean throughout.
@Suite("coupon books under random sequences")
struct CouponPropertyTests {
    @Test("verify and the coupon books stay clean after random orders with coupons, refunds, exchanges, merges and unmerges", arguments: [UInt64(1), 2, 3])
    func randomSequences(seed: UInt64) async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let coupons = CouponFixture(server: server)
            try coupons.template("T3", yuan: 3) {
                $0.minSpendFen = 10_000
                $0.stackable = true
            }
            try coupons.template("T5", yuan: 5) { $0.budget = 15 }
            try coupons.template("CASH", yuan: 10) {
                $0.pointsPrice = 200
                $0.scope = CouponScope(channels: [.web])
            }
            try coupons.template("PCT", yuan: 1) {
                $0.discount = .percent(10, capFen: 2_000)
                $0.releaseOnRefund = false
                $0.stackable = true
            }
            _ = try await TierRuleTests.rule(admin, tiers: [("100", "T3"), ("150", "T5")])
            var rng = SplitMix64(seed: seed)
            let accounts = (0..<6).map { "u-\($0)" }
            var orders: [(no: String, left: Int64)] = []
            var merges: [JSONValue] = []
            var outcomes: [String: Int] = [:]
            for step in 0..<150 {
                let account = accounts.randomElement(using: &rng)!
                let member = try? await admin.member(["shop": "sh01", "channel": "web", "external_id": .string(account)])["member_id"]
                switch Int.random(in: 0..<100, using: &rng) {
                case 0..<22:
                    let fen = Int64.random(in: 5_000...30_000, using: &rng)
                    _ = try await admin.paid("e\(step)", order: "o\(step)", member: account, amount: Money.format(fen: fen), at: When.at(days: -1))
                    orders.append(("o\(step)", fen))
                case 22..<42:
                    guard let member else { continue }
                    let (status, fen, channel) = try await Self.orderWithCoupons(admin, coupons, step: step, account: account, member: member, rng: &rng)
                    outcomes[status, default: 0] += 1
                    if status == "applied" && channel == "web" { orders.append(("o\(step)", fen)) }
                case 42..<56:
                    guard let i = orders.indices.randomElement(using: &rng), orders[i].left > 0 else { continue }
                    let fen = Int.random(in: 0..<3, using: &rng) > 0 ? orders[i].left : Int64.random(in: 1...orders[i].left, using: &rng)
                    let r = try await admin.push(
                        "sh01", [Events.refunded("e\(step)", "web", order: orders[i].no, refund: "R\(step)", amount: Money.format(fen: fen))])
                    #expect(r[0]["status"] == "applied", "\(r[0])")
                    orders[i].left -= fen
                case 56..<63:
                    guard let member else { continue }
                    _ = try coupons.issue(["T3", "PCT"].randomElement(using: &rng)!, to: member)
                case 63..<70:
                    guard let member else { continue }
                    _ = try? await admin.call("coupon.exchange", ["member_id": member, "template": "CASH", "idempotency_key": .string("x\(step)")])
                case 70..<80:
                    let other = accounts.randomElement(using: &rng)!
                    guard let member, let o = try? await admin.member(["shop": "sh01", "channel": "web", "external_id": .string(other)])["member_id"],
                        o != member, let m = try? await admin.call("member.merge", ["member_id": member, "other_member_id": o, "reason": "random"])
                    else { continue }
                    merges.append(m["merge_id"]!)
                case 80..<88:
                    guard !merges.isEmpty else { continue }
                    let id = merges.remove(at: Int.random(in: 0..<merges.count, using: &rng))
                    _ = try? await admin.call("member.unmerge", ["merge_id": id, "reason": "random"])
                case 88..<93:
                    guard let member, let code = try coupons.held(by: member).map(\.code).randomElement(using: &rng) else { continue }
                    try coupons.makeExpired(code)
                default:
                    guard let member else { continue }
                    _ = try? await admin.redeem(member, Int64.random(in: 1...300, using: &rng), key: "k\(step)")
                }
                if step % 30 == 29 {
                    #expect(try await admin.verify()["ok"] == true, "seed \(seed) step \(step)")
                    #expect(try coupons.booksProblems() == [], "seed \(seed) step \(step)")
                }
            }
            #expect(try await admin.verify()["ok"] == true, "seed \(seed)")
            #expect(try coupons.booksProblems() == [], "seed \(seed)")
            #expect((outcomes["applied"] ?? 0) > 0, "seed \(seed): \(outcomes)")
            // The sequence did exercise the coupon paths.
            let events = try coupons.eventCounts()
            #expect(events["redeem", default: 0] > 0 && events["merge_move", default: 0] > 0 && events["unmerge_move", default: 0] > 0, "\(events)")
        }
    }
}

extension CouponPropertyTests {
    /// An order naming one or two coupons: mostly ones the member can use, sometimes used, expired
    /// or someone else's; a mobile order is another account's (its own member until merged).
    /// Answers the outcome (`applied` or the rejection's reason), the amount and the channel.
    static func orderWithCoupons<R: RandomNumberGenerator>(
        _ admin: RPCClient, _ coupons: CouponFixture, step: Int, account: String, member: JSONValue, rng: inout R
    ) async throws -> (String, Int64, String) {
        var held = try coupons.held(by: member).map(\.code)
        let usable = try held.filter { try coupons.coupon($0).status == "usable" }
        if !usable.isEmpty && Int.random(in: 0..<4, using: &rng) > 0 { held = usable }
        if Int.random(in: 0..<8, using: &rng) == 0, let other = try coupons.anyCode(using: &rng) { held.append(other) }
        guard !held.isEmpty else { return ("none", 0, "web") }
        let count = Int.random(in: 0..<4, using: &rng) == 0 ? 2 : 1
        let codes = Array(Set((0..<count).map { _ in held.randomElement(using: &rng)! }))
        let fen = Int64.random(in: 5_000...30_000, using: &rng)
        let channel = Int.random(in: 0..<6, using: &rng) > 0 ? "web" : "mobile"
        let r = try await admin.push(
            "sh01", [Events.paid("e\(step)", order: "o\(step)", member: account, amount: Money.format(fen: fen), coupons: codes, channel: channel)])
        let status = r[0]["status"]?.stringValue ?? "?"
        #expect(status == "applied" || status == "rejected", "\(r[0])")
        return (status == "applied" ? "applied" : r[0]["error"]?["data"]?["reason"]?.stringValue ?? "?", fen, channel)
    }
}

extension CouponFixture {
    /// Any coupon's code (someone else's, most likely).
    func anyCode<R: RandomNumberGenerator>(using rng: inout R) throws -> String? {
        try server.database.withConnection { c in try c.query("SELECT code FROM coupon ORDER BY id").map { try $0.decode(String.self, at: 0) } }
            .randomElement(using: &rng)
    }

    /// What is wrong with the coupon books (empty: nothing): each template's `issued` is its number
    /// of coupons and within its budget; each coupon is held by a live member, its status is what
    /// its last status event says, the member of its last event is (after merges) its holder, and a
    /// redeemed coupon names a paid order that still has something left unless its template keeps
    /// coupons on refunds.
    func booksProblems() throws -> [String] {
        try server.database.withConnection { c in
            try c.query(
                """
                SELECT 'template ' || t.name || ' issued ' || t.issued || ' coupons ' || count(c.id) FROM coupon_template t LEFT JOIN coupon c ON c.template = t.name
                GROUP BY t.name, t.issued, t.budget HAVING t.issued <> count(c.id) OR t.issued > COALESCE(t.budget, t.issued)
                UNION ALL
                SELECT 'coupon ' || c.code || ' held by merged member ' || c.member_id FROM coupon c JOIN member m ON m.id = c.member_id WHERE m.merged_into IS NOT NULL
                UNION ALL
                SELECT 'coupon ' || c.code || ' is ' || c.status || ' after ' || e.kind FROM coupon c
                CROSS JOIN LATERAL (SELECT kind FROM coupon_event WHERE coupon_id = c.id AND kind IN ('issue', 'redeem', 'release', 'expire', 'void')
                                    ORDER BY id DESC LIMIT 1) e
                WHERE c.status <> CASE e.kind WHEN 'issue' THEN 'usable' WHEN 'release' THEN 'usable' WHEN 'redeem' THEN 'redeemed'
                                              WHEN 'expire' THEN 'expired' ELSE 'voided' END
                UNION ALL
                SELECT 'coupon ' || c.code || ' held by ' || c.member_id || ', last event for ' || e.member_id FROM coupon c
                CROSS JOIN LATERAL (SELECT member_id FROM coupon_event WHERE coupon_id = c.id ORDER BY id DESC LIMIT 1) e
                WHERE NOT EXISTS (
                    WITH RECURSIVE up(id) AS (SELECT e.member_id UNION SELECT m.merged_into FROM member m JOIN up ON m.id = up.id WHERE m.merged_into IS NOT NULL)
                    SELECT 1 FROM up WHERE up.id = c.member_id)
                UNION ALL
                SELECT 'coupon ' || c.code || ' redeemed on a wholly refunded order' FROM coupon c JOIN shop_order o ON o.id = c.redeemed_order_id
                JOIN coupon_template_version v ON v.id = c.template_id
                WHERE c.status = 'redeemed' AND o.refunded_fen >= o.amount_fen AND COALESCE((v.definition->>'release_on_refund')::boolean, true)
                """
            ).map { try $0.decode(String.self, at: 0) }
        }
    }
}

extension CouponFixture {
    /// How many coupon events of each kind were written.
    func eventCounts() throws -> [String: Int64] {
        try server.database.withConnection { c in
            Dictionary(
                uniqueKeysWithValues: try c.query("SELECT kind, count(*) FROM coupon_event GROUP BY kind").map {
                    (try $0.decode(String.self, at: 0), try $0.decode(Int64.self, at: 1))
                })
        }
    }
}
