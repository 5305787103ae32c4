import CRMClient
import CRMDomain
import CRMPostgres
import CRMProtocol
import CRMStorage
import Testing

/// The access audit: each read of unmasked personal data by an operator or admin leaves one row
/// (who, which method, which fields, whom, when); masked reads leave none there.
@Suite("access audit")
struct AccessAuditTests {
    /// Three members of region 杭州 in sh01 (the second without a phone); their ids.
    static func seed(_ admin: RPCClient) async throws -> [JSONValue] {
        try await admin.push(
            "sh01",
            [
                Events.upsert("a1", "web", "w-1", ["name": "周一", "phone": "13911110001", "region": "杭州", "birthday": "1990-04-01"]),
                Events.upsert("a2", "web", "w-2", ["name": "周二", "region": "杭州"]),
                Events.upsert("a3", "web", "w-3", ["name": "周三", "email": "zhou3@example.com", "region": "杭州", "address": "文三路1號"]),
            ]
        ).map { $0["member_id"]! }
    }

    static func entries(_ admin: RPCClient, _ params: JSONObject = [:]) async throws -> [JSONValue] {
        try await admin.call("audit.list", .object(params))["entries"]!.arrayValue!
    }

    @Test("member.get and member.find by an operator or admin each write a row with the token, the method, the fields shown and the members")
    func lookups() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let ids = try await Self.seed(admin)
            #expect(try await Self.entries(admin).isEmpty, "pushing reads nothing")
            _ = try await admin.call("member.get", ["member_id": ids[0]])
            var rows = try await Self.entries(admin)
            #expect(rows.count == 1)
            #expect(rows[0]["method"] == "member.get" && rows[0]["member_ids"] == [ids[0]] && rows[0]["member_count"] == 1)
            #expect(rows[0]["fields"] == ["name", "phone", "birthday"])
            #expect(rows[0]["token_name"] == "bootstrap admin (CRM_ADMIN_TOKEN)" && rows[0]["token_id"] != nil && rows[0]["at"] != nil)

            let made = try await admin.call("token.create", ["role": "operator", "name": "前台小李"])
            let staff = try await server.client(token: made["token"]!.stringValue!)
            let found = try await staff.call("member.find", ["query": "周三"])["members"]!.arrayValue!
            #expect(found.count == 1)
            rows = try await Self.entries(admin)
            #expect(rows.count == 2)
            #expect(rows[0]["method"] == "member.find" && rows[0]["token_name"] == "前台小李" && rows[0]["token_id"] == made["id"])
            #expect(rows[0]["fields"] == ["name", "email", "address"] && rows[0]["member_ids"] == [ids[2]])
            // Nothing found, nothing read.
            _ = try await staff.call("member.find", ["query": "無此人"])
            #expect(try await Self.entries(admin).count == 2)
        }
    }

    @Test(
        "member.get writes its row with the read: a row that cannot be written fails the read, a member outside a shop-scoped token's shops is neither shown nor recorded"
    )
    func recordedWithTheRead() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let ids = try await Self.seed(admin)
            let made = try await admin.call("token.create", ["role": "operator", "shops": ["sh02"], "name": "二店店長"])
            let franchise = try await server.client(token: made["token"]!.stringValue!)
            let outside = await rpcError { try await franchise.call("member.get", ["member_id": ids[0]]) }
            #expect(outside?.code == -32003 && outside?.reason == .outsideShops)
            #expect(try await Self.entries(admin).isEmpty, "a refused read showed nothing")

            try await server.pool.withConnection { c in
                try c.query("CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'audit volume full'; END$$")
                try c.query("CREATE TRIGGER refuse_audit BEFORE INSERT ON access_audit FOR EACH ROW EXECUTE FUNCTION refuse_audit()")
            }
            let unrecorded = await rpcError { try await admin.call("member.get", ["member_id": ids[0]]) }
            #expect(unrecorded != nil, "a read whose audit row cannot be written is not shown")
            _ = try await server.pool.withConnection { c in try c.query("DROP TRIGGER refuse_audit ON access_audit") }
            #expect(try await admin.call("member.get", ["member_id": ids[0]])["phone"] == "+8613911110001")
            let rows = try await Self.entries(admin)
            #expect(rows.count == 1 && rows[0]["member_ids"] == [ids[0]] && rows[0]["fields"] == ["name", "phone", "birthday"])
        }
    }

    @Test("masked reads write no access-audit row (they keep their lookup audit); audit.list is for the admin only")
    func masked() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let ids = try await Self.seed(admin)
            let analyst = try await server.client(token: try await server.token(role: .analyst))
            _ = try await analyst.call("member.get", ["member_id": ids[0]])
            _ = try await analyst.call("member.find", ["query": "周一"])
            _ = try await admin.call("segment.save", ["name": "hz", "filter": ["region": ["杭州"]]])
            _ = try await analyst.call("segment.export", ["name": "hz"])
            #expect(try await Self.entries(admin).isEmpty)
            let lookups = try await server.pool.withConnection { c in
                try c.query("SELECT count(*) FROM audit_log WHERE subject = 'member lookup'").single!.decode(Int64.self, at: 0)
            }
            #expect(lookups == 2)
            for role in [Role.analyst, .operator] {
                let other = try await server.client(token: try await server.token(role: role))
                #expect(await rpcError { try await other.call("audit.list", [:]) }?.reason == .roleForbidden)
            }
        }
    }

    @Test("a segment export page is one row with its member count and every member; previews, review guards and points warnings are recorded")
    func bulk() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let ids = try await Self.seed(admin)
            _ = try await admin.call("segment.save", ["name": "hz", "filter": ["region": ["杭州"]]])
            let first = try await admin.call("segment.export", ["name": "hz", "limit": 2])
            _ = try await admin.call("segment.export", ["cursor": first["next_cursor"]!, "limit": 2])
            var rows = try await Self.entries(admin)
            #expect(rows.map { $0["method"] } == ["segment.export", "segment.export"])
            #expect(rows[1]["member_count"] == 2 && rows[1]["member_ids"] == [ids[0], ids[1]])
            #expect(rows[1]["fields"] == ["name", "phone"], "an export row shows no birthday")
            #expect(rows[0]["member_count"] == 1 && rows[0]["member_ids"] == [ids[2]] && rows[0]["fields"] == ["name", "email", "address"])

            _ = try await admin.call("segment.preview", ["name": "hz", "sample": 3])
            rows = try await Self.entries(admin)
            #expect(rows[0]["method"] == "segment.preview" && rows[0]["member_count"] == 3)
            _ = try await admin.call("segment.preview", ["name": "hz", "sample": 0])
            #expect(try await Self.entries(admin).count == rows.count, "a count alone shows nobody")

            // A guard shows a platform id unmasked: a row with the field.
            _ = try await admin.push(
                "sh02",
                [
                    Events.upsert("g1", "mobile", "mum", ["platform_ids": ["wechat_unionid": "o6_shared"]]),
                    Events.upsert("g2", "mobile", "dad", ["platform_ids": ["wechat_unionid": "o6_shared"]]),
                ])
            let guards = try await admin.call("review.list", ["type": "guard"])
            rows = try await Self.entries(admin)
            #expect(rows[0]["method"] == "review.list" && rows[0]["fields"] == ["wechat_unionid"], "\(rows[0]) \(guards)")
            #expect(rows[0]["member_count"] == 0, "a guard is about a key value, not yet a member")

            // Points about to expire: names and phones of whoever holds them.
            _ = try await admin.call("points.adjust", ["member_id": ids[0], "points": 100, "idempotency_key": "p1", "reason": "gift"])
            let warned = try await admin.call("points.expiring", ["within_days": 3650])["members"]!.arrayValue!
            #expect(warned.count == 1)
            rows = try await Self.entries(admin)
            #expect(rows[0]["method"] == "points.expiring" && rows[0]["fields"] == ["name", "phone"] && rows[0]["member_ids"] == [ids[0]])
        }
    }

    @Test("referral.get and referral.stats record the names they show; campaign.touches its touch list")
    func referralsAndTouches() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let (referrer, code) = try await ReferralTests.referrer(admin)
            let newcomer = try await ReferralTests.signup(admin, "n1", code: code)
            _ = try await admin.call("referral.get", ["member_id": referrer])
            var rows = try await Self.entries(admin)
            #expect(rows.count == 1 && rows[0]["method"] == "referral.get" && rows[0]["fields"] == ["name"] && rows[0]["member_ids"] == [newcomer])
            _ = try await admin.call("referral.stats", [:])
            rows = try await Self.entries(admin)
            #expect(rows[0]["method"] == "referral.stats" && rows[0]["member_ids"] == [referrer], "\(rows[0])")

            let ids = try await Self.seed(admin)
            _ = try await admin.call("segment.save", ["name": "hz", "filter": ["region": ["杭州"]]])
            _ = try await admin.call("campaign.create", ["name": "c", "segment": "hz", "action": ["kind": "list"]])
            _ = try await admin.launchWave("c")
            let touches = try await admin.call("campaign.touches", ["name": "c"])["touches"]!.arrayValue!
            #expect(touches.count == 3)
            rows = try await Self.entries(admin)
            #expect(rows[0]["method"] == "campaign.touches" && rows[0]["member_count"] == 3, "\(rows[0])")
            #expect(Set(rows[0]["member_ids"]!.arrayValue!.map { $0.stringValue! }) == Set(ids.map { $0.stringValue! }))
            #expect(rows[0]["fields"] == ["name", "phone", "email"])
        }
    }

    @Test("audit.list by member, by token name, newest first a page at a time; AccessAudit.record joins the caller's transaction")
    func listing() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let ids = try await Self.seed(admin)
            let made = try await admin.call("token.create", ["role": "operator", "name": "店長"])
            let staff = try await server.client(token: made["token"]!.stringValue!)
            for id in [ids[0], ids[1], ids[0], ids[2]] { _ = try await staff.call("member.get", ["member_id": id]) }
            _ = try await admin.call("member.get", ["member_id": ids[0]])
            let byMember = try await Self.entries(admin, ["member_id": ids[0]])
            #expect(byMember.count == 3 && byMember.allSatisfy { $0["member_ids"] == [ids[0]] })
            let ordered = byMember.map { $0["id"]!.int64Value! }
            #expect(ordered == ordered.sorted(by: >))
            #expect(try await Self.entries(admin, ["token": "店長"]).count == 4)
            #expect(try await Self.entries(admin, ["token": "店長", "member_id": ids[0]]).count == 2)
            #expect(try await Self.entries(admin, ["token": "nobody"]).isEmpty)
            var seen: [Int64] = []
            var cursor: JSONValue? = nil
            repeat {
                var params: JSONObject = ["limit": 2]
                if let cursor { params["cursor"] = cursor }
                let page = try await admin.call("audit.list", .object(params))
                seen += page["entries"]!.arrayValue!.map { $0["id"]!.int64Value! }
                cursor = page["next_cursor"]
            } while cursor != nil && cursor != .null
            #expect(seen.count == 5 && seen == seen.sorted(by: >))

            // Another helper's change records its read in its own transaction: rolled back, no row.
            struct Rollback: Error {}
            _ = try? await server.pool.withTransaction { c in
                try AccessAudit.record(c, tokenID: nil, method: "member.export", fields: ["name"], members: [ids[1].intMember])
                throw Rollback()
            }
            #expect(try await Self.entries(admin).count == 5)
            try await server.pool.withTransaction { c in
                try AccessAudit.record(c, tokenID: nil, method: "member.export", fields: ["name"], members: [ids[1].intMember])
            }
            let top = try await Self.entries(admin)[0]
            #expect(top["method"] == "member.export" && top["member_ids"] == [ids[1]] && top["token_id"] == .null)
        }
    }
}

extension JSONValue {
    /// A member id as the wire writes it (a string of digits), as a number.
    var intMember: Int64 { Int64(stringValue!)! }
}
