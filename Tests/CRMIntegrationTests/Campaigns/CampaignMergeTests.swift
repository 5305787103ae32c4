import CRMClient
import CRMProtocol
import Testing

/// A member merged into another after a launch took them: nothing is given to the id that no longer
/// holds anything.
@Suite("campaign launch and merges")
struct CampaignMergeTests {
    @Test("a member merged away after the snapshot is passed over: no touch, no coupon or points on the merged id, the books stay clean")
    func mergedAfterSnapshot() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let db = server.database
            let members = try await admin.members(20, prefix: "mg", region: "蘇州")
            try db.grantConsent(members)
            _ = try await admin.call("segment.save", ["name": "蘇州", "filter": ["region": ["蘇州"]]])
            try await admin.template("MT", ["per_member_limit": 5])
            for (name, action) in [("mc", ["kind": "coupon", "template": "MT"] as JSONValue), ("mp", ["kind": "points", "points": 30])] {
                _ = try await admin.call("campaign.create", ["name": .string(name), "segment": "蘇州", "holdout_percent": 0, "action": action])
                // The first batch takes the snapshot and touches the first 5 members.
                let first = try await admin.call("campaign.launch", ["name": .string(name), "limit": 5])
                #expect(first["touched"] == 5)
            }
            // The last member is merged into the first, after both campaigns took them.
            _ = try await admin.call(
                "member.merge", ["member_id": members[0], "other_member_id": members[19], "reason": "same person, found by hand"])
            for name in ["mc", "mp"] {
                let (last, _) = try await admin.launchWave(name, limit: 5)
                #expect(last["touched"] == 19, "\(name): \(last)")
            }
            let merged = members[19].stringValue!
            #expect(try await db.scalar("SELECT count(*) FROM campaign_touch WHERE member_id = \(merged)") == 0)
            #expect(try await db.scalar("SELECT count(*) FROM coupon WHERE member_id = \(merged)") == 0)
            #expect(try await db.scalar("SELECT count(*) FROM points_entry WHERE member_id = \(merged) AND kind = 'gift'") == 0)
            #expect(try await admin.failedChecks() == [])
        }
    }
}

/// Points campaigns are granted set-based; the balance limit still refuses a member with no room.
@Suite("campaign points and the balance limit")
struct CampaignPointsLimitTests {
    @Test("a member whose balance has no room for the campaign's points is recorded refused; the others get them once; the books balance")
    func balanceLimit() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let db = server.database
            _ = try await admin.call("config.set", ["name": "points", "value": ["max_balance": 1_000]])
            let members = try await admin.members(6, prefix: "pl", region: "寧波")
            try db.grantConsent(members)
            // The first member is 980 points in: 30 more would pass the limit of 1,000.
            _ = try await admin.call("points.adjust", ["member_id": members[0], "points": 980, "idempotency_key": "pl-0", "reason": "test"])
            _ = try await admin.call("segment.save", ["name": "寧波", "filter": ["region": ["寧波"]]])
            _ = try await admin.call(
                "campaign.create", ["name": "pl", "segment": "寧波", "holdout_percent": 0, "action": ["kind": "points", "points": 30]])
            let (wave, _) = try await admin.launchWave("pl", limit: 4)
            #expect(wave["touched"] == 5 && wave["refused"] == 1)
            let first = members[0].stringValue!
            #expect(try db.strings("SELECT status FROM campaign_touch WHERE member_id = \(first)") == ["refused"])
            #expect(try await db.scalar("SELECT count(*) FROM points_entry WHERE kind = 'gift' AND period LIKE 'campaign:%'") == 5)
            for m in members.dropFirst() { #expect(try await admin.call("points.get", ["member_id": m])["balance"] == 30) }
            #expect(try await admin.call("points.get", ["member_id": members[0]])["balance"] == 980)
            #expect(try await admin.failedChecks() == [])
        }
    }
}
