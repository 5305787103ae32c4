import CRMClient
import CRMProtocol
import Testing

/// A template whose fixed dates have ended issues nothing: such a coupon could never be used.
@Suite("coupon templates whose dates have ended")
struct CouponEndedTemplateTests {
    @Test("issuing a template whose valid_until has passed is refused with template_expired, to a member and to a segment, and nothing is issued")
    func endedTemplate() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let members = try await admin.members(3, prefix: "ended", region: "無錫")
            try await admin.template("雙11券", ["valid_from": "2025-11-01", "valid_until": "2025-11-11"])
            let one = await rpcError {
                try await admin.call("coupon.issue", ["template": "雙11券", "member_id": members[0], "idempotency_key": "ended-1"])
            }
            #expect(one?.code == -32010 && one?.reason == "template_expired")
            _ = try await admin.call("segment.save", ["name": "無錫", "filter": ["region": ["無錫"]]])
            let all = await rpcError {
                try await admin.call("coupon.issue", ["template": "雙11券", "segment": "無錫", "idempotency_key": "ended-2"])
            }
            #expect(all?.code == -32010 && all?.reason == "template_expired")
            #expect(try await server.database.scalar("SELECT count(*) FROM coupon") == 0)
            // A version with dates still ahead issues again.
            try await admin.template("雙11券", ["valid_from": "2025-11-01", "valid_until": "2099-11-11"])
            let issued = try await admin.call("coupon.issue", ["template": "雙11券", "member_id": members[0], "idempotency_key": "ended-3"])
            #expect(issued["issued"] == 1)
            #expect(try await admin.failedChecks() == [])
        }
    }
}
