import CRMClient
import CRMDomain
import CRMProtocol
import Testing

@Suite("ledger invariants under random sequences")
struct LedgerPropertyTests {
    @Test(
        "verify stays clean after random orders, refunds, redemptions, adjustments, merges, unmerges, policy changes and expiry",
        arguments: [UInt64(1), 2, 3])
    func randomSequences(seed: UInt64) async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            var rng = SplitMix64(seed: seed)  // replayable from its seed
            let accounts = (0..<6).map { "u-\($0)" }
            var orders: [(no: String, channel: String, left: Int64)] = []
            var merges: [JSONValue] = []
            let policies = ["within_balance", "allow_negative", "pending_only"]
            for step in 0..<120 {
                let account = accounts.randomElement(using: &rng)!
                let member = try? await admin.member(["shop": "sh01", "channel": "web", "external_id": .string(account)])["member_id"]
                switch Int.random(in: 0..<100, using: &rng) {
                case 0..<35:
                    let fen = Int64.random(in: 100...300_000, using: &rng)
                    let no = "o\(step)"
                    _ = try await admin.paid(
                        "e\(step)", order: no, member: account, amount: Money.format(fen: fen),
                        at: When.at(days: -Double.random(in: 0...500, using: &rng)))
                    orders.append((no, "web", fen))
                case 35..<50:
                    guard let i = orders.indices.randomElement(using: &rng), orders[i].left > 0 else { continue }
                    let fen = Bool.random(using: &rng) ? orders[i].left : Int64.random(in: 1...orders[i].left, using: &rng)
                    let r = try await admin.push(
                        "sh01", [Events.refunded("e\(step)", "web", order: orders[i].no, refund: "R\(step)", amount: Money.format(fen: fen))])
                    #expect(r[0]["status"] == "applied", "\(r[0])")
                    orders[i].left -= fen
                case 50..<65:
                    guard let member else { continue }
                    _ = try? await admin.redeem(
                        member, Int64.random(in: 1...2_000, using: &rng), key: "k\(step)", kind: Bool.random(using: &rng) ? "spend" : "donate")
                case 65..<72:
                    guard let member else { continue }
                    let points = Int64.random(in: -500...500, using: &rng)
                    if points != 0 { _ = try? await admin.adjust(member, points, key: "a\(step)") }
                case 72..<80:
                    let other = accounts.randomElement(using: &rng)!
                    guard let member, let o = try? await admin.member(["shop": "sh01", "channel": "web", "external_id": .string(other)])["member_id"],
                        o != member
                    else { continue }
                    if let m = try? await admin.call("member.merge", ["member_id": member, "other_member_id": o, "reason": "random"]) {
                        merges.append(m["merge_id"]!)
                    }
                case 80..<86:
                    guard !merges.isEmpty else { continue }
                    let id = merges.remove(at: Int.random(in: 0..<merges.count, using: &rng))
                    _ = try? await admin.call("member.unmerge", ["merge_id": id, "reason": "random"])
                case 86..<92:
                    _ = try await admin.call(
                        "config.set",
                        [
                            "name": "points",
                            "value": [
                                "refund_policy": .string(policies.randomElement(using: &rng)!), "pending_days": .int(Int64.random(in: 0...10, using: &rng)),
                            ],
                        ])
                case 92..<96:
                    _ = try await admin.expireAll(asOf: When.date(days: Int.random(in: -100...0, using: &rng)), limit: 3)
                default:
                    _ = try await admin.call("level.evaluate", ["as_of": .string(When.date(days: Int.random(in: -60...0, using: &rng)))])
                }
                if step % 30 == 29 {
                    let report = try await admin.verify()
                    #expect(report["ok"] == true, "seed \(seed) step \(step): \(report)")
                }
            }
            let report = try await admin.verify()
            #expect(report["ok"] == true, "seed \(seed): \(report)")
            #expect((report["totals"]?["issued"]?.int64Value ?? 0) > 0)
        }
    }

    @Test("verify fails on a deliberately corrupted ledger and names what is wrong")
    func corruption() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await admin.paid("o1", order: "1", member: "u-1", amount: "100.00", at: When.at(days: -1))
            #expect(try await admin.verify()["ok"] == true)
            try server.database.withConnection {
                _ = try $0.query("UPDATE points_lot SET remaining = remaining - 7 WHERE member_id = $1", [.int(Int64(m.stringValue!)!)])
            }
            let report = try await admin.verify()
            #expect(report["ok"] == false)
            let failed = Set(report["checks"]!.arrayValue!.filter { $0["ok"] == false }.map { $0["name"]!.stringValue! })
            #expect(failed == ["lot_matches_entries", "member_matches_lots", "program_balances"])
            let example = report["checks"]!.arrayValue!.first { $0["name"] == "lot_matches_entries" }?["examples"]?.arrayValue?.first?.stringValue
            #expect(example?.contains("remaining 93") == true)
        }
    }
}
