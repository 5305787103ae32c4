import CRMClient
import CRMDomain
import CRMProtocol
import Testing

/// What happens to coupons after they were issued, around the other books: refunds release them,
/// merges move them, points buy them.
@Suite("coupons in refunds, merges and points exchanges")
struct CouponLifeTests {
    @Test("a whole refund releases the order's coupon (expired when its time is up), a partial one does not; release_on_refund false keeps it used")
    func release() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let coupons = CouponFixture(server: server)
            try coupons.template("T3", yuan: 3)
            try coupons.template("KEEP", yuan: 3) { $0.releaseOnRefund = false }
            let m = try await admin.paid("first", order: "first", member: "u-1", amount: "10.00", at: When.at(days: -2))
            let (a, b, kept) = (try coupons.issue("T3", to: m), try coupons.issue("T3", to: m), try coupons.issue("KEEP", to: m))
            for (no, code) in [("1", a), ("2", b), ("3", kept)] {
                let r = try await admin.push("sh01", [Events.paid("o" + no, order: no, member: "u-1", amount: "100.00", coupons: [code])])
                #expect(r[0]["status"] == "applied", "\(r[0])")
            }
            var r = try await admin.push("sh01", [Events.refunded("r1", "web", order: "1", refund: "R1", amount: "40.00")])
            #expect(r[0]["status"] == "applied")
            #expect(try coupons.coupon(a).status == "redeemed", "a partial refund keeps the coupon used")
            try coupons.makeExpired(b)
            // The rest of order 1, all of order 2 and all of order 3 in one push (the set-based refund run).
            r = try await admin.push(
                "sh01",
                [
                    Events.refunded("r2", "web", order: "1", refund: "R2", amount: "60.00"),
                    Events.refunded("r3", "web", order: "2", refund: "R3", amount: "100.00"),
                    Events.refunded("r4", "web", order: "3", refund: "R4", amount: "100.00"),
                ])
            #expect(r.allSatisfy { $0["status"] == "applied" }, "\(r)")
            let released = try coupons.coupon(a)
            #expect(released.status == "usable" && released.order == nil && released.discountFen == nil)
            #expect(try coupons.events(a) == ["issue", "redeem", "release"])
            #expect(try coupons.coupon(b).status == "expired")
            #expect(try coupons.events(b) == ["issue", "redeem", "release", "expire"])
            #expect(try coupons.coupon(kept).status == "redeemed")
            // Released, it can be used again.
            let again = try await admin.push("sh01", [Events.paid("o4", order: "4", member: "u-1", amount: "100.00", coupons: [a])])
            #expect(again[0]["status"] == "applied", "\(again[0])")
        }
    }

    @Test("a merge moves the merged member's coupons to the survivor; an unmerge gives back the restored member's own")
    func merges() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let coupons = CouponFixture(server: server)
            try coupons.template("T3", yuan: 3)
            let x = try await admin.paid("x", order: "x", member: "u-x", amount: "10.00", at: When.at(days: -2))
            let y = try await admin.paid("y", order: "y", member: "u-y", amount: "10.00", at: When.at(days: -2))
            let ownX = try coupons.issue("T3", to: x)
            let ownY = try coupons.issue("T3", to: y)
            let merged = try await admin.call("member.merge", ["member_id": x, "other_member_id": y, "reason": "same person"])
            let survivor = merged["member_id"] ?? x
            let gone = survivor == x ? y : x
            #expect(try coupons.held(by: survivor).count == 2 && coupons.held(by: gone).isEmpty)
            let movedCode = survivor == x ? ownY : ownX
            #expect(try coupons.events(movedCode) == ["issue", "merge_move"])
            // The survivor uses the moved coupon, then gets one of its own; the unmerge gives back only the restored member's.
            let account = survivor == x ? "u-x" : "u-y"
            let r = try await admin.push("sh01", [Events.paid("p", order: "p", member: account, amount: "50.00", coupons: [movedCode])])
            #expect(r[0]["status"] == "applied", "\(r[0])")
            let later = try coupons.issue("T3", to: survivor)
            _ = try await admin.call("member.unmerge", ["merge_id": merged["merge_id"]!, "reason": "two people"])
            #expect(try coupons.held(by: gone).map(\.code) == [movedCode])
            #expect(try Set(coupons.held(by: survivor).map(\.code)) == [survivor == x ? ownX : ownY, later])
            #expect(try coupons.events(movedCode) == ["issue", "merge_move", "redeem", "unmerge_move"])
            #expect(try coupons.coupon(movedCode).status == "redeemed")
        }
    }

    @Test("points buy a coupon once per key: a replay answers the same coupon and spends nothing more; too few points are refused")
    func exchange() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let coupons = CouponFixture(server: server)
            try coupons.template("CASH10", yuan: 10) {
                $0.pointsPrice = 300
                $0.perMemberLimit = 2
            }
            try coupons.template("FREE", yuan: 1)
            let m = try await admin.paid("x", order: "x", member: "u-1", amount: "10.00", at: When.at(days: -2))
            _ = try await admin.adjust(m, 700, key: "seed")
            let start = try await admin.points(m).balance
            let first = try await admin.call("coupon.exchange", ["member_id": m, "template": "CASH10", "idempotency_key": "ex-1"])
            #expect(first["points"] == 300 && first["balance"]?.int64Value == start - 300 && first["replayed"] == false)
            let code = try #require(first["code"]?.stringValue)
            #expect(try coupons.coupon(code).status == "usable")
            #expect(try coupons.held(by: m).map { "\($0.source) \($0.ref ?? "")" } == ["points ex-1"])
            let replay = try await admin.call("coupon.exchange", ["member_id": m, "template": "CASH10", "idempotency_key": "ex-1"])
            #expect(replay["code"]?.stringValue == code && replay["replayed"] == true)
            #expect(try await admin.points(m).balance == start - 300)
            let history = try await admin.call("points.history", ["member_id": m])["entries"]!.arrayValue!
            let spend = try #require(history.first { $0["kind"] == "spend" })
            #expect(spend["points"] == -300 && spend["detail"]?["coupon"]?.stringValue == code)
            let conflict = await rpcError { try await admin.call("coupon.exchange", ["member_id": m, "template": "FREE", "idempotency_key": "ex-1"]) }
            #expect(conflict?.code == -32009 && conflict?.reason == .idempotencyKeyReused)
            let notForSale = await rpcError { try await admin.call("coupon.exchange", ["member_id": m, "template": "FREE", "idempotency_key": "ex-2"]) }
            #expect(notForSale?.code == -32010 && notForSale?.reason == .notForPoints)
            _ = try await admin.call("coupon.exchange", ["member_id": m, "template": "CASH10", "idempotency_key": "ex-3"])
            let poor = await rpcError { try await admin.call("coupon.exchange", ["member_id": m, "template": "CASH10", "idempotency_key": "ex-4"]) }
            #expect(poor?.code == -32010, "\(String(describing: poor))")
            #expect(poor?.reason == .insufficientPoints || poor?.reason == .perMemberLimit)
            _ = try await admin.adjust(m, 1_000, key: "more")
            let limit = await rpcError { try await admin.call("coupon.exchange", ["member_id": m, "template": "CASH10", "idempotency_key": "ex-5"]) }
            #expect(limit?.reason == .perMemberLimit)
            let unknown = await rpcError { try await admin.call("coupon.exchange", ["member_id": m, "template": "NOPE", "idempotency_key": "ex-6"]) }
            #expect(unknown?.code == -32004 && unknown?.reason == .templateNotFound)
            #expect(try await admin.points(m).balance == start + 1_000 - 600)
            #expect(try await admin.verify()["ok"] == true)
        }
    }

    @Test("points too few for the price are refused with insufficient_points and nothing is issued")
    func insufficient() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let coupons = CouponFixture(server: server)
            try coupons.template("CASH10", yuan: 10) { $0.pointsPrice = 1_000_000 }
            let m = try await admin.paid("x", order: "x", member: "u-1", amount: "10.00", at: When.at(days: -2))
            let poor = await rpcError { try await admin.call("coupon.exchange", ["member_id": m, "template": "CASH10", "idempotency_key": "ex"]) }
            #expect(poor?.code == -32010 && poor?.reason == .insufficientPoints)
            #expect(try coupons.held(by: m).isEmpty)
        }
    }
}
