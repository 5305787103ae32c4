import CRMDomain
import CRMProtocol
import CRMStorage
import Logging

/// The points ledger: `points.get|history|redeem|adjust|expire|expiring|verify` and `points.rule.*`.
enum PointsMethods {
    static let maxPoints: Int64 = 1_000_000_000

    static func idempotencyKey(_ p: Params) throws(RPCError) -> String {
        let key = try p.string("idempotency_key", maxLength: 128)
        guard !key.isEmpty else { throw .invalidParams("idempotency_key must not be empty", field: "idempotency_key", reason: "missing_field") }
        return key
    }

    static func render(_ change: PointsChange) -> JSONValue {
        ["entry_id": .int(change.entryID), "member_id": .string(String(change.member)), "points": .int(change.points),
         "balance": .int(change.balance), "replayed": .bool(change.replayed)]
    }

    static func render(_ e: PointsEntryRecord) -> JSONValue {
        var o: JSONObject = ["id": .int(e.id), "at": .string(e.at), "kind": .string(e.kind), "points": .int(e.points)]
        if let order = e.order { o["order"] = ["shop": .string(order.shop), "channel": .string(order.channel), "order_no": .string(order.orderNo)] }
        if let r = e.refundNo { o["refund_no"] = .string(r) }
        if e.kind == "earn", let d = e.detail { o["explanation"] = d }
        if e.kind == "reverse", let s = e.detail?["shortfall"]?.int64Value, s > 0 { o["shortfall"] = .int(s) }
        if e.kind != "earn", let d = e.detail { o["detail"] = d }
        o["actor"] = .string(e.actor)
        if let r = e.reason { o["reason"] = .string(r) }
        if let k = e.idempotencyKey { o["idempotency_key"] = .string(k) }
        if let r = e.runID { o["run_id"] = .int(r) }
        if let m = e.mergeID { o["merge_id"] = .int(m) }
        return .object(o)
    }

    static func render(_ r: PointsStore.RuleRecord) -> JSONValue {
        ["id": .int(r.rule.id), "name": .string(r.rule.name), "version": .int(r.rule.version), "definition": AccrualRuleDefinition.render(r.rule),
         "created_at": .string(r.createdAt), "created_by": .string(r.createdBy), "disabled_at": r.disabledAt.map(JSONValue.string) ?? .null]
    }

    static func date(_ p: Params, _ key: String) throws(RPCError) -> String? {
        guard let text = try p.optionalString(key, maxLength: 10) else { return nil }
        guard CivilTime.date(text) != nil else { throw .invalidParams("\(key) must be a date YYYY-MM-DD", field: key, reason: "bad_date") }
        return text
    }

    /// Runs a redemption or an adjustment once per idempotency key, logs it, and renders the result.
    static func perform(_ request: PointsStore.Request, _ call: CallContext, _ context: ServerContext, level: Logger.Level, _ message: Logger.Message) async throws -> JSONValue {
        let change = try await context.points.change(request, policy: try await context.loyaltyPolicy().points, actor: call.actor)
        context.logger.log(level: level, message, metadata: ["request": "\(call.requestID)", "member": "\(change.member)", "points": "\(change.points)",
                                                            "replayed": "\(change.replayed)"])
        return render(change)
    }

    static func specs(_ context: ServerContext) -> [MethodSpec] {
        [
            MethodSpec("points.get", access: .read) { call in
                try call.params.allowOnly(["member_id"])
                let s = try await context.points.summary(member: try MemberMethods.requiredMemberID(call.params, "member_id"))
                return ["member_id": .string(String(s.member)), "balance": .int(s.balance), "pending": .int(s.pending), "debt": .int(s.debt),
                        "lots": .array(s.lots.map { lot in
                            ["id": .int(lot.id), "earned_at": .string(lot.earnedAt), "available_at": .string(lot.availableAt),
                             "expires_at": lot.expiresAt.map(JSONValue.string) ?? .null, "amount": .int(lot.amount), "remaining": .int(lot.remaining),
                             "pending": .bool(lot.pending)]
                        })]
            },
            MethodSpec("points.history", access: .read) { call in
                try call.params.allowOnly(["member_id", "cursor", "limit"])
                let id = try MemberMethods.requiredMemberID(call.params, "member_id")
                let paging = try Paging(call.params)
                let before = try paging.afterKey.map { key throws(RPCError) -> Int64 in
                    guard let v = Int64(key) else { throw RPCError.invalidParams("cursor is not one this server issued", field: "cursor", reason: "bad_cursor") }
                    return v
                }
                let (member, entries) = try await context.points.history(member: id, beforeID: before, limit: paging.fetchLimit)
                let page = paging.page(entries, key: { String($0.id) }, render: render)
                return ["member_id": .string(String(member)), "entries": page.items, "next_cursor": page.next]
            },
            MethodSpec("points.redeem", access: .write) { call in
                let p = call.params
                try p.allowOnly(["member_id", "points", "idempotency_key", "reason", "kind", "project"])
                let kind = try p.optionalString("kind", maxLength: 10) ?? "spend"
                guard ["spend", "donate"].contains(kind) else { throw RPCError.invalidParams("kind must be spend or donate", field: "kind", reason: "bad_kind") }
                let project = try p.optionalString("project", maxLength: 200)
                if project != nil && kind != "donate" { throw RPCError.invalidParams("project is for donations", field: "project", reason: "bad_kind") }
                let request = PointsStore.Request(method: "points.redeem", member: try MemberMethods.requiredMemberID(p, "member_id"),
                                                  points: try p.int("points", in: 1...maxPoints), key: try idempotencyKey(p),
                                                  reason: try p.string("reason", maxLength: 500), kind: kind, project: project)
                return try await perform(request, call, context, level: .info, "points redeemed")
            },
            MethodSpec("points.adjust", access: .write) { call in
                let p = call.params
                try p.allowOnly(["member_id", "points", "idempotency_key", "reason"])
                let points = try p.int("points", in: -maxPoints...maxPoints)
                guard points != 0 else { throw RPCError.invalidParams("points must not be zero", field: "points", reason: "out_of_range") }
                let request = PointsStore.Request(method: "points.adjust", member: try MemberMethods.requiredMemberID(p, "member_id"), points: points,
                                                  key: try idempotencyKey(p), reason: try p.string("reason", maxLength: 500), kind: "adjust", project: nil)
                return try await perform(request, call, context, level: .notice, "points adjusted")
            },
            MethodSpec("points.expire", access: .write) { call in
                let p = call.params
                try p.allowOnly(["as_of", "limit", "run_id", "dry_run"])
                guard let asOf = try date(p, "as_of") else { throw RPCError.invalidParams("as_of is required", field: "as_of", reason: "missing_field") }
                let limit = Int(try p.optionalInt("limit", in: 1...Int64(ExpiryJob.maxBatch)) ?? 1_000)
                let runID = try p.optionalInt("run_id", in: 1...Int64.max)
                let dryRun = try p.optionalBool("dry_run") ?? false
                if !dryRun { _ = context.runHolders.withLockedValue { $0.insert(call.connection) } }
                let live = (prefix: context.connectionName(prefix: ()), names: context.runHolders.withLockedValue { Array($0) })
                let batch = try await context.expiry.expire(asOf: asOf, limit: limit, runID: runID, holder: call.connection, actor: call.actor,
                                                            policy: try await context.loyaltyPolicy().points, dryRun: dryRun, liveHolders: live)
                if batch.points > 0 || batch.done {
                    context.logger.info("points expired", metadata: ["request": "\(call.requestID)", "run": "\(batch.runID.map(String.init) ?? "dry")",
                                                                     "members": "\(batch.members)", "points": "\(batch.points)", "done": "\(batch.done)"])
                }
                var reply: JSONObject = ["run_id": batch.runID.map { .int($0) } ?? .null, "members": .int(batch.members), "lots": .int(batch.lots),
                                         "points": .int(batch.points), "done": .bool(batch.done)]
                if let run = batch.run { reply["run"] = ["members": .int(run.members), "lots": .int(run.lots), "points": .int(run.points)] }
                return .object(reply)
            },
            MethodSpec("points.expiring", access: .read) { call in
                let p = call.params
                try p.allowOnly(["within_days", "as_of", "cursor", "limit"])
                let within = try p.int("within_days", in: 1...3_650)
                let policy = try await context.loyaltyPolicy().points
                var asOf = try date(p, "as_of")
                if asOf == nil { asOf = try await context.points.today(offsetMinutes: policy.offsetMinutes) }
                guard let asOf else { preconditionFailure("as_of was just set") }
                let paging = try Paging(p)
                let after = try paging.afterKey.map { key throws(RPCError) -> Int64 in
                    guard let v = Int64(key) else { throw RPCError.invalidParams("cursor is not one this server issued", field: "cursor", reason: "bad_cursor") }
                    return v
                }
                let found = try await context.expiry.expiring(asOf: asOf, withinDays: within, afterMember: after, limit: paging.fetchLimit, policy: policy)
                let masked = MemberMethods.isMasked(call)
                let page = paging.page(found, key: { String($0.member.id) }) { e in
                    let m = e.member
                    return ["member_id": .string(String(m.id)),
                            "name": m.name.map { .string(masked ? Masking.name($0) : $0) } ?? .null,
                            "phone": m.phone.map { .string(masked ? Masking.phone($0) : $0) } ?? .null,
                            "email": m.email.map { .string(masked ? Masking.email($0) : $0) } ?? .null,
                            "balance": .int(e.balance), "expiring_points": .int(e.points), "first_expiry": .string(e.firstExpiry),
                            "expiring": .array(e.byDay.map { ["date": .string($0.date), "points": .int($0.points)] })]
                }
                return ["as_of": .string(asOf), "members": page.items, "next_cursor": page.next]
            },
            MethodSpec("points.verify", access: .read) { call in
                try call.params.allowOnly([])
                let report = try await context.verifier.run()
                if !report.ok {
                    context.logger.error("points ledger verification failed", metadata: [
                        "request": "\(call.requestID)", "violated": "\(report.checks.filter { !$0.ok }.map(\.name).joined(separator: ","))"])
                }
                let t = report.totals
                return ["ok": .bool(report.ok),
                        "checks": .array(report.checks.map { ["name": .string($0.name), "ok": .bool($0.ok), "violations": .int($0.violations),
                                                              "examples": .array($0.examples.map(JSONValue.string))] }),
                        "totals": ["issued": .int(t.issued), "spent": .int(t.spent), "donated": .int(t.donated), "expired": .int(t.expired),
                                   "reversed": .int(t.reversed), "adjusted_out": .int(t.adjustedOut), "outstanding": .int(t.outstanding), "debt": .int(t.debt)]]
            },
            MethodSpec("points.rule.add", access: .write) { call in
                let name = try call.params.string("name", maxLength: 100)
                guard !name.isEmpty else { throw RPCError.invalidParams("name must not be empty", field: "name", reason: "missing_field") }
                let rule = try AccrualRuleDefinition.parse(call.params.object, name: name)
                let stored = try await context.points.addRule(rule, actor: call.actor)
                context.logger.notice("points rule added", metadata: ["request": "\(call.requestID)", "rule": "\(name)", "version": "\(stored.rule.version)"])
                return ["rule": render(stored)]
            },
            MethodSpec("points.rule.list", access: .read) { call in
                try call.params.allowOnly(["include_disabled"])
                let rules = try await context.points.rules(includeDisabled: try call.params.optionalBool("include_disabled") ?? false)
                return ["rules": .array(rules.map(render))]
            },
            MethodSpec("points.rule.disable", access: .write) { call in
                try call.params.allowOnly(["name"])
                let name = try call.params.string("name", maxLength: 100)
                let id = try await context.points.disableRule(name: name, actor: call.actor)
                context.logger.notice("points rule disabled", metadata: ["request": "\(call.requestID)", "rule": "\(name)"])
                return ["rule": ["id": .int(id), "name": .string(name)]]
            },
        ]
    }
}
