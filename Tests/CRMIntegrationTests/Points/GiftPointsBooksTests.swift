import CRMClient
import CRMPostgres
import CRMProtocol
import Testing

@Suite("benefit points in the books")
struct GiftPointsBooksTests {
    @Test("points given as a benefit (ledger kind gift) count as issued: verify balances")
    func giftCountsAsIssued() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let m = try await admin.members(1, prefix: "g")[0]
            _ = try await admin.adjust(m, 88, key: "k1")
            // A gift credit is written like an operator's credit with its own kind (a birthday gift);
            // made here by relabelling one, as the ledger writes nothing else differently for it.
            try await server.pool.withConnection { c in
                _ = try c.query("UPDATE points_entry SET kind = 'gift', period = 'birthday:2026' WHERE kind = 'adjust'")
            }
            let r = try await admin.verify()
            #expect(r["ok"] == true, "\(r)")
            #expect(r["totals"]?["issued"] == 88)
            #expect(r["totals"]?["outstanding"] == 88)
        }
    }
}
