import CRMClient
import CRMProtocol
import Testing

@Suite("coupons issued to a saved segment")
struct CouponSegmentIssueTests {
    @Test("a segment is issued in committed batches; stopped midway and run again with the same key, nobody gets two")
    func resumable() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            let inSegment = try await admin.members(25, prefix: "h", region: "浙江 杭州")
            let others = try await admin.members(5, prefix: "s", region: "上海")
            _ = try await admin.call("segment.save", ["name": "杭州會員", "filter": ["region": ["杭州"]]])
            try await admin.template("回購券", value: "10.00")
            let params: JSONObject = ["template": "回購券", "segment": "杭州會員", "idempotency_key": "wave-1", "limit": 10]
            let first = try await admin.call("coupon.issue", .object(params))
            #expect(first["total"] == 25)
            #expect(first["members"] == 10)
            #expect(first["issued"] == 10)
            #expect(first["done"] == false)
            // The client stops here (killed); another one goes on with the same key, later.
            await admin.close()
            let again = try await server.adminClient()
            // Members joining the segment after the run started are not in this run.
            _ = try await again.members(3, prefix: "late", region: "杭州")
            var last = JSONValue.null
            for _ in 0..<10 {
                last = try await again.call("coupon.issue", .object(params))
                if last["done"] == true { break }
            }
            #expect(last["issued"] == 25)
            #expect(last["members"] == 25)
            #expect(last["skipped"] == 0)
            #expect(last["run_id"] == first["run_id"])
            // The run's member list is dropped once it is done.
            #expect(
                try await server.pool.withConnection { c in try c.query("SELECT count(*) FROM coupon_issue_member").single!.decode(Int64.self, at: 0) } == 0)
            // Once done, the same key answers the run's totals and issues nothing more.
            let replay = try await again.call("coupon.issue", .object(params))
            #expect(replay["replayed"] == true)
            #expect(replay["issued"] == 25)
            for m in inSegment {
                #expect(try await again.call("coupon.list", ["member_id": m])["coupons"]?.arrayValue?.count == 1)
            }
            for m in others {
                #expect(try await again.call("coupon.list", ["member_id": m])["coupons"]?.arrayValue?.isEmpty == true)
            }
            // A second wave under another key skips everyone at the per-member limit of 1.
            let second = try await again.call("coupon.issue", ["template": "回購券", "segment": "杭州會員", "idempotency_key": "wave-2", "limit": 1000])
            #expect(second["total"] == 28)
            #expect(second["issued"] == 3)
            #expect(second["skipped"] == 25)
            #expect(second["done"] == true)
            let reused = await rpcError { try await again.call("coupon.issue", ["template": "回購券", "segment": "other", "idempotency_key": "wave-1"]) }
            #expect(reused?.reason == "idempotency_key_reused")
            #expect(
                await rpcError { try await again.call("coupon.issue", ["template": "回購券", "segment": "none", "idempotency_key": "w3"]) }?.reason
                    == "segment_not_found")
            #expect(await rpcError { try await again.call("coupon.issue", ["template": "回購券", "idempotency_key": "w3"]) }?.reason == "one_lookup")
            #expect(try await again.failedChecks() == [])
            await again.close()
        }
    }

    @Test("when the budget runs out midway the run ends, and the rest are counted as skipped")
    func budgetEndsRun() async throws {
        try await withTestServer { server in
            let admin = try await server.adminWithShops()
            _ = try await admin.members(12, prefix: "h", region: "杭州")
            _ = try await admin.call("segment.save", ["name": "杭州", "filter": ["region": ["杭州"]]])
            try await admin.template("T", ["budget": 7])
            let r1 = try await admin.call("coupon.issue", ["template": "T", "segment": "杭州", "idempotency_key": "k", "limit": 5])
            #expect(r1["issued"] == 5)
            let r2 = try await admin.call("coupon.issue", ["template": "T", "segment": "杭州", "idempotency_key": "k", "limit": 5])
            #expect(r2["issued"] == 7)
            #expect(r2["skipped"] == 5)
            #expect(r2["members"] == 12)
            #expect(r2["done"] == true)
            #expect(try await admin.failedChecks() == [])
        }
    }
    @Test("several callers driving one run with the same key at once: every member once, the run's totals exact")
    func concurrentCallers() async throws {
        try await withTestServer(poolSize: 6) { server in
            let admin = try await server.adminWithShops()
            let members = try await admin.members(60, prefix: "h", region: "杭州")
            _ = try await admin.call("segment.save", ["name": "杭州", "filter": ["region": ["杭州"]]])
            try await admin.template("T", ["per_member_limit": 3])
            let params: JSONValue = ["template": "T", "segment": "杭州", "idempotency_key": "k", "limit": 7]
            let clients = try await withThrowingTaskGroup(of: RPCClientBox.self) { group in
                for _ in 0..<4 { group.addTask { RPCClientBox(try await server.adminClient()) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for box in clients {
                    group.addTask {
                        for _ in 0..<40 {
                            if try await box.client.call("coupon.issue", params)["done"] == true { break }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let last = try await admin.call("coupon.issue", params)
            #expect(last["issued"] == 60)
            #expect(last["members"] == 60)
            #expect(last["done"] == true)
            for m in members {
                #expect(try await admin.call("coupon.list", ["member_id": m])["coupons"]?.arrayValue?.count == 1)
            }
            #expect(try await admin.failedChecks() == [])
            for c in clients { await c.client.close() }
        }
    }
}
