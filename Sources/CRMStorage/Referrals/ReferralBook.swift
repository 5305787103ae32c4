import CRMDomain
import CRMJSON
import CRMPostgres

/// Referrals inside the caller's transaction: codes, binding new members to their referrer, the
/// rewards of the first paid order and the long-term share, and taking rewards back when the
/// qualifying order is refunded in time or the two members turn out to be one person.
/// Rewards are points through the ledger (`referral` entries); each is paid at most once per
/// binding, side and order (the primary key of `referral_reward`), whatever is replayed.
struct ReferralBook {
    let c: PostgresConnection
    let policy: PointsPolicy
    /// The push paying rewards, which locks the coupon templates it issues together (nil outside a push).
    var push: PushCoupons? = nil

    var coupons: ReferralCoupons { ReferralCoupons(c: c, offsetMinutes: policy.offsetMinutes, push: push) }

    /// The programme in force: the newest version, or the defaults (version 0).
    static func program(_ c: PostgresConnection) throws -> ReferralProgram {
        guard let row = try c.queryPrepared("SELECT version, definition::text FROM referral_program ORDER BY version DESC LIMIT 1", []).single else {
            return ReferralProgram()
        }
        guard let object = try JSONParser.parse(try row.decode(String.self, at: 1)).objectValue,
            var program = try? ReferralProgramDefinition.parse(object)
        else {
            preconditionFailure("the stored referral programme no longer parses")
        }
        program.version = try row.decode(at: 0)
        return program
    }

    /// The member's code, made on first use (random; a collision draws again).
    static func code(_ c: PostgresConnection, for member: Int64) throws -> String {
        for _ in 0..<16 {
            if let existing = try c.queryPrepared("SELECT code FROM referral_code WHERE member_id = $1", [.int(member)]).single {
                return try existing.decode(at: 0)
            }
            try c.queryPrepared(
                "INSERT INTO referral_code (member_id, code) VALUES ($1, $2) ON CONFLICT DO NOTHING", [.int(member), .text(ReferralCode.generate())])
        }
        preconditionFailure("no free referral code in 16 draws: the code space is exhausted")
    }

    /// The live member behind a code.
    static func member(_ c: PostgresConnection, ofCode code: String) throws -> Int64? {
        guard let row = try c.queryPrepared("SELECT member_id FROM referral_code WHERE code = $1", [.text(code)]).single else { return nil }
        return try MemberMerger.liveMember(c, try row.decode(at: 0))
    }

    /// Why a binding was not made.
    enum Refusal: String, Error {
        case unknownCode = "unknown_code"
        case selfReferral = "self_referral"
        case cycle = "referral_cycle"
        case alreadyBound = "already_bound"
    }

    /// Binds `referred` to the owner of `code`: never twice, never to oneself, never in a cycle.
    func bind(referred: Int64, code: String, source: String, actor: String, reason: String?) throws -> Result<Int64, Refusal> {
        guard let referrer = try Self.member(c, ofCode: code) else { return .failure(.unknownCode) }
        guard referrer != referred else { return .failure(.selfReferral) }
        if try c.queryPrepared("SELECT 1 FROM referral_binding WHERE referred_id = $1", [.int(referred)]).single != nil { return .failure(.alreadyBound) }
        // Walk up the referrer's chain: reaching the referred member would close a cycle.
        var current = referrer
        for _ in 0..<1_000 {
            guard let up = try c.queryPrepared("SELECT referrer_id FROM referral_binding WHERE referred_id = $1 AND status <> 'voided'", [.int(current)]).single
            else { break }
            current = try MemberMerger.liveMember(c, try up.decode(at: 0))
            if current == referred { return .failure(.cycle) }
        }
        let id: Int64 =
            try c.queryPrepared(
                """
                INSERT INTO referral_binding (referred_id, referrer_id, code, source, actor, reason) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (referred_id) DO NOTHING RETURNING id
                """, [.int(referred), .int(referrer), .text(code), .text(source), .text(actor), .optional(reason)]
            ).single?.decode(at: 0) ?? 0
        guard id > 0 else { return .failure(.alreadyBound) }
        try history(
            referred, "referral_bound", actor, ["binding": .int(id), "referrer": .string(String(referrer)), "code": .string(code), "source": .string(source)])
        return .success(id)
    }

    /// New members who signed up with a code (`member.upsert` of a new account whose member is
    /// new, not merged into someone who was there before): bound, then rewarded for any order.
    func bindNewMembers(_ signups: [(member: Int64, code: String, event: String)], actor: String) throws {
        guard !signups.isEmpty else { return }
        var bound: [Int64] = []
        for s in signups {
            guard let code = ReferralCode.normalize(s.code) else {
                try history(s.member, "referral_refused", actor, ["code": .string(s.code), "reason": .string("bad_code"), "event": .string(s.event)])
                continue
            }
            switch try bind(referred: s.member, code: code, source: "signup", actor: actor, reason: nil) {
            case .success: bound.append(s.member)
            case .failure(let refusal):
                try history(s.member, "referral_refused", actor, ["code": .string(code), "reason": .string(refusal.rawValue), "event": .string(s.event)])
            }
        }
        try settle(bound, actor: actor)
    }

    /// Pays what the bindings of these (live) referred members have earned: both sides on the first
    /// paid order (at least the programme's minimum), then the referrer's share of later orders.
    func settle(_ members: [Int64], actor: String) throws {
        guard !members.isEmpty else { return }
        let bindings = try c.queryPrepared(
            """
            SELECT id, referred_id, referrer_id, status, qualified_order_id, crm_rfc3339(share_until)
            FROM referral_binding WHERE referred_id = ANY($1::bigint[]) AND status <> 'voided' ORDER BY id FOR UPDATE
            """, [.intArray(members)])
        guard !bindings.isEmpty else { return }
        let program = try Self.program(c)
        let ledger = PointsLedger(c: c, policy: policy)
        // Every account this may pay into, locked up front in id order.
        var payees: [Int64] = []
        for b in bindings { payees += [try b.decode(at: 1), try MemberMerger.liveMember(c, try b.decode(at: 2))] }
        try ledger.lockAccounts(payees)
        for b in bindings {
            let binding: Int64 = try b.decode(at: 0)
            let referred: Int64 = try b.decode(at: 1)
            let referrer = try MemberMerger.liveMember(c, try b.decode(at: 2))
            var qualifying: Int64? = try b.decode(at: 4)
            var shareUntil: String? = try b.decode(at: 5)
            if try b.decode(String.self, at: 3) == "bound" {
                guard
                    let first = try c.queryPrepared(
                        """
                        SELECT o.order_id, o.amount_fen, crm_rfc3339(o.paid_at), o.order_no FROM order_key o JOIN account a ON a.id = o.account_id
                        WHERE a.member_id = $1 AND o.amount_fen >= $2 ORDER BY o.order_id LIMIT 1
                        """, [.int(referred), .int(program.minOrderFen)]
                    ).single
                else { continue }
                let order: Int64 = try first.decode(at: 0)
                let amount: Int64 = try first.decode(at: 1)
                let paidAt: String = try first.decode(at: 2)
                let paidSeconds = CivilTime.seconds(rfc3339: paidAt)!
                let rewards = program.firstOrderRewards(amountFen: amount, paidAt: paidSeconds)
                let detail: JSONObject = [
                    "binding": .int(binding), "order_no": .string(try first.decode(at: 3)), "basis": .string(rewards.basis),
                    "program_version": .int(program.version),
                ]
                let toReferrer = try capped(rewards.referrer, referrer: referrer, paidAt: paidSeconds, program: program)
                try pay(
                    toReferrer, to: referrer, side: "referrer", binding: binding, order: order, paidAt: paidAt, detail: detail, ledger: ledger, actor: actor)
                try pay(
                    rewards.referred, to: referred, side: "referred", binding: binding, order: order, paidAt: paidAt, detail: detail, ledger: ledger,
                    actor: actor)
                try coupons.firstOrder(program, binding: binding, referrer: referrer, referred: referred, orderNo: try first.decode(at: 3), actor: actor)
                shareUntil =
                    program.shareMonths > 0 && program.sharePercent > 0
                    ? CivilTime.rfc3339(CivilTime.addingMonths(program.shareMonths, to: paidSeconds, offsetMinutes: policy.offsetMinutes)) : nil
                try c.queryPrepared(
                    """
                    UPDATE referral_binding SET status = 'rewarded', qualified_order_id = $2, qualified_at = $3::timestamptz, share_until = $4::timestamptz,
                           program_version = $5 WHERE id = $1
                    """, [.int(binding), .int(order), .text(paidAt), .optional(shareUntil), .int(program.version)])
                try history(referred, "referral_qualified", actor, detail)
                qualifying = order
            }
            guard let qualifying, let shareUntil, program.sharePercent > 0 else { continue }
            for row in try c.queryPrepared(
                """
                SELECT o.order_id, o.amount_fen, crm_rfc3339(o.paid_at), o.order_no FROM order_key o JOIN account a ON a.id = o.account_id
                WHERE a.member_id = $1 AND o.order_id > $2 AND o.paid_at < $3::timestamptz
                  AND NOT EXISTS (SELECT 1 FROM referral_reward r WHERE r.binding_id = $4 AND r.side = 'share' AND r.order_id = o.order_id)
                ORDER BY o.order_id
                """, [.int(referred), .int(qualifying), .text(shareUntil), .int(binding)])
            {
                let paidAt: String = try row.decode(at: 2)
                let paidSeconds = CivilTime.seconds(rfc3339: paidAt)!
                let share = try capped(
                    program.share(amountFen: try row.decode(at: 1), rateCenti: policy.earnRateCenti), referrer: referrer,
                    paidAt: paidSeconds, program: program)
                try pay(
                    share, to: referrer, side: "share", binding: binding, order: try row.decode(at: 0), paidAt: paidAt,
                    detail: [
                        "binding": .int(binding), "order_no": .string(try row.decode(at: 3)), "basis": .string("share"),
                        "share_percent": .int(program.sharePercent), "program_version": .int(program.version),
                    ],
                    ledger: ledger, actor: actor)
            }
        }
    }

    /// The referrer's reward after the daily and monthly caps (what earlier rewards used of them).
    private func capped(_ points: Int64, referrer: Int64, paidAt: Int64, program: ReferralProgram) throws -> Int64 {
        guard points > 0, program.capPerReferrerPerDay != nil || program.capPerReferrerPerMonth != nil else { return points }
        let day = CivilTime.localDateText(paidAt, offsetMinutes: policy.offsetMinutes)
        let row = try c.queryPrepared(
            """
            SELECT COALESCE(sum(points) FILTER (WHERE day = $2::date), 0)::bigint, COALESCE(sum(points), 0)::bigint
            FROM points_rule_usage WHERE member_id = $1 AND rule_name = 'referral' AND date_trunc('month', day) = date_trunc('month', $2::date)
            """, [.int(referrer), .text(day)]
        ).single!
        let allowed = program.capped(points, usedToday: try row.decode(at: 0), usedThisMonth: try row.decode(at: 1))
        if allowed > 0 {
            try c.queryPrepared(
                """
                INSERT INTO points_rule_usage (member_id, rule_name, day, points) VALUES ($1, 'referral', $2::date, $3)
                ON CONFLICT (member_id, rule_name, day) DO UPDATE SET points = points_rule_usage.points + EXCLUDED.points
                """, [.int(referrer), .text(day), .int(allowed)])
        }
        return allowed
    }

    private func pay(
        _ points: Int64, to member: Int64, side: String, binding: Int64, order: Int64, paidAt: String, detail: JSONObject,
        ledger: PointsLedger, actor: String
    ) throws {
        // The balance limit holds for rewards too: what it leaves is paid, the rest is not.
        let room = try ledger.headroom(member)
        if points > room { PointsLimits.hit(.balance, ["member": "\(member)", "points": "\(points)", "room": "\(room)", "binding": "\(binding)"]) }
        let points = min(points, room)
        guard points > 0 else { return }
        var d = detail
        d["side"] = .string(side)
        let (lot, entry) = try ledger.grant(points, to: member, kind: "referral", earnedAt: paidAt, pending: true, detail: d, actor: actor)
        try c.queryPrepared(
            """
            INSERT INTO referral_reward (binding_id, side, order_id, member_id, lot_id, entry_id, points) VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, [.int(binding), .text(side), .int(order), .int(member), .int(lot), .int(entry), .int(points)])
        try coupons.notice(to: member, side: side, binding: binding, orderNo: detail["order_no"]?.stringValue, ["points": .int(points)])
    }

    /// A refund of a qualifying order inside the return window that leaves it below the programme's
    /// minimum (or refunds it whole) takes both first-order rewards back and voids the binding.
    func refunded(orderID: Int64, refundedAt: String, actor: String) throws {
        guard
            let b = try c.queryPrepared(
                """
                SELECT b.id, o.amount_fen - o.refunded_fen, o.refunded_fen = o.amount_fen, extract(epoch FROM $2::timestamptz - b.qualified_at)::bigint
                FROM referral_binding b JOIN shop_order o ON o.id = b.qualified_order_id
                WHERE b.qualified_order_id = $1 AND b.status = 'rewarded' FOR UPDATE OF b
                """, [.int(orderID), .text(refundedAt)]
            ).single
        else { return }
        let program = try Self.program(c)
        let left: Int64 = try b.decode(at: 1)
        let fully: Bool = try b.decode(at: 2)
        let secondsAfter: Int64 = try b.decode(at: 3)
        guard secondsAfter <= program.returnWindowDays * 86_400, fully || left < program.minOrderFen else { return }
        try void(try b.decode(at: 0), reason: "qualifying_order_refunded", sides: ["referrer", "referred"], actor: actor)
    }

    /// After `merged` was merged into `survivor`: a binding between the two is self-referral (voided,
    /// every reward taken back); the merged member's bindings follow the survivor.
    func afterMerge(survivor: Int64, merged: Int64, actor: String) throws {
        for row in try c.queryPrepared(
            """
            SELECT id FROM referral_binding WHERE status <> 'voided' AND referrer_id = ANY($1::bigint[]) AND referred_id = ANY($1::bigint[]) ORDER BY id FOR UPDATE
            """, [.intArray([survivor, merged])])
        {
            try void(try row.decode(at: 0), reason: "self_referral", sides: ["referrer", "referred", "share"], actor: actor)
        }
        try c.queryPrepared("UPDATE referral_binding SET referrer_id = $1 WHERE referrer_id = $2", [.int(survivor), .int(merged)])
        // One person is referred once: the survivor's binding stands; the merged member's moves over only if there is none.
        // (A voided self-referral, now the survivor's on both sides, is no one's binding of them.)
        if try c.queryPrepared("SELECT 1 FROM referral_binding WHERE referred_id = $1 AND referrer_id <> referred_id LIMIT 1", [.int(survivor)]).single == nil {
            try c.queryPrepared("UPDATE referral_binding SET referred_id = $1 WHERE referred_id = $2", [.int(survivor), .int(merged)])
        } else if let other = try c.queryPrepared("SELECT id FROM referral_binding WHERE referred_id = $1 AND status <> 'voided'", [.int(merged)]).single {
            try void(try other.decode(at: 0), reason: "merged_duplicate", sides: ["referrer", "referred", "share"], actor: actor)
        }
    }

    /// Voids a binding and takes back its rewards on `sides` not taken back yet (by the refund policy).
    func void(_ binding: Int64, reason: String, sides: [String], actor: String) throws {
        let ledger = PointsLedger(c: c, policy: policy)
        for r in try c.queryPrepared(
            """
            SELECT side, order_id, member_id, lot_id, points FROM referral_reward
            WHERE binding_id = $1 AND side = ANY($2::text[]) AND reversed_entry_id IS NULL ORDER BY entry_id FOR UPDATE
            """, [.int(binding), .textArray(sides)])
        {
            let member = try MemberMerger.liveMember(c, try r.decode(at: 2))
            let lot: Int64 = try r.decode(at: 3)
            let side: String = try r.decode(at: 0)
            let order: Int64 = try r.decode(at: 1)
            let entry = try ledger.takeBack(
                try r.decode(at: 4), from: member, preferring: { $0.id == lot },
                entry: PointsLedger.Entry(
                    member: member, kind: "reverse", points: 0, detail: ["binding": .int(binding), "side": .string(side), "reason": .string(reason)],
                    actor: actor, reason: "referral reward taken back: \(reason)"))
            try c.queryPrepared(
                "UPDATE referral_reward SET reversed_entry_id = $4 WHERE binding_id = $1 AND side = $2 AND order_id = $3",
                [.int(binding), .text(side), .int(order), .int(entry)])
        }
        try c.queryPrepared("UPDATE referral_binding SET status = 'voided', voided_at = now(), void_reason = $2 WHERE id = $1", [.int(binding), .text(reason)])
        if let row = try c.queryPrepared("SELECT referred_id FROM referral_binding WHERE id = $1", [.int(binding)]).single {
            try history(try MemberMerger.liveMember(c, try row.decode(at: 0)), "referral_voided", actor, ["binding": .int(binding), "reason": .string(reason)])
        }
    }

    private func history(_ member: Int64, _ action: String, _ actor: String, _ detail: JSONObject) throws {
        try c.queryPrepared(
            "INSERT INTO member_history (member_id, action, actor, detail) VALUES ($1, $2, $3, $4::jsonb)",
            [.int(member), .text(action), .text(actor), .text(JSONSerializer.canonicalObject(detail))])
    }
}
