import CRMDomain
import CRMJSON
import CRMPostgres

/// A member's points as `points.get` shows them.
public struct PointsSummary: Sendable {
    public struct Lot: Sendable {
        public var id: Int64
        public var earnedAt: String
        public var availableAt: String
        public var expiresAt: String?
        public var amount: Int64
        public var remaining: Int64
        public var pending: Bool
    }
    public var member: Int64
    public var balance: Int64
    public var pending: Int64
    public var debt: Int64
    public var lots: [Lot]
}

/// One ledger entry as `points.history` shows it.
public struct PointsEntryRecord: Sendable {
    public var id: Int64
    public var at: String
    public var kind: String
    public var points: Int64
    public var order: (shop: String, channel: String, orderNo: String)?
    public var refundNo: String?
    public var detail: JSONValue?
    public var actor: String
    public var reason: String?
    public var idempotencyKey: String?
    public var runID: Int64?
    public var mergeID: Int64?
}

/// The result of `points.redeem` and `points.adjust` (stored for replays).
public struct PointsChange: Sendable {
    public var entryID: Int64
    public var member: Int64
    public var points: Int64
    public var balance: Int64
    public var replayed: Bool
}

/// Points for the server's methods: balances, history, spending and adjusting with idempotency keys,
/// accrual rules. Each call is one transaction.
public struct PointsStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    public static let maxLotsShown = 200

    /// Today's date in the merchant's local time, by the database's clock.
    public func today(offsetMinutes: Int) async throws -> String {
        let now: Int64 = try await pool.withConnection { c in try c.nowSeconds() }
        return CivilTime.localDateText(now, offsetMinutes: offsetMinutes)
    }

    public func summary(member id: Int64) async throws -> PointsSummary {
        try await pool.withConnection { c in
            let member = try MemberMerger.liveMember(c, id)
            return try Self.summary(c, member)
        }
    }

    static func summary(_ c: PostgresConnection, _ member: Int64) throws -> PointsSummary {
        let debt: Int64 = try c.queryPrepared("SELECT COALESCE((SELECT debt FROM points_account WHERE member_id = $1), 0)", [.int(member)]).single!.decode(
            at: 0)
        var balance: Int64 = 0, pending: Int64 = 0
        var lots: [PointsSummary.Lot] = []
        for row in try c.queryPrepared(
            """
            SELECT id, crm_rfc3339(earned_at), crm_rfc3339(available_at), crm_rfc3339(expires_at), amount, remaining, available_at > now(),
                   expires_at IS NOT NULL AND expires_at <= now()
            FROM points_lot WHERE member_id = $1 AND remaining > 0 ORDER BY expires_at NULLS LAST, earned_at, id
            """, [.int(member)])
        {
            let remaining: Int64 = try row.decode(at: 5)
            let isPending: Bool = try row.decode(at: 6)
            let lapsed: Bool = try row.decode(at: 7)
            if lapsed { continue }
            // Checked: lots written before the limits existed may add up to more than an Int64.
            if isPending {
                pending = try PointsLimits.add(pending, remaining, member: member)
            } else {
                balance = try PointsLimits.add(balance, remaining, member: member)
            }
            if lots.count < maxLotsShown {
                lots.append(
                    .init(
                        id: try row.decode(at: 0), earnedAt: try row.decode(at: 1), availableAt: try row.decode(at: 2), expiresAt: try row.decode(at: 3),
                        amount: try row.decode(at: 4), remaining: remaining, pending: isPending))
            }
        }
        return PointsSummary(member: member, balance: try PointsLimits.add(balance, -debt, member: member), pending: pending, debt: debt, lots: lots)
    }

    /// Balances and levels of several live members at once, for member pages: (balance, pending, level code).
    /// Sums are numeric in SQL and checked before they become Int64: `points_out_of_range` otherwise.
    static func standing(_ c: PostgresConnection, _ members: [Int64]) throws -> [Int64: (balance: Int64, pending: Int64, level: String?)] {
        var out: [Int64: (balance: Int64, pending: Int64, level: String?)] = [:]
        guard !members.isEmpty else { return out }
        for row in try c.queryPrepared(
            """
            SELECT id, CASE WHEN balance BETWEEN -9223372036854775808 AND 9223372036854775807 THEN balance::bigint END,
                   CASE WHEN pending <= 9223372036854775807 THEN pending::bigint END, level_code
            FROM (SELECT m.id,
                         COALESCE((SELECT sum(remaining) FROM points_lot l WHERE l.member_id = m.id AND l.remaining > 0 AND l.available_at <= now()
                                   AND (l.expires_at IS NULL OR l.expires_at > now())), 0) - COALESCE(a.debt, 0) AS balance,
                         COALESCE((SELECT sum(remaining) FROM points_lot l WHERE l.member_id = m.id AND l.remaining > 0 AND l.available_at > now()
                                   AND (l.expires_at IS NULL OR l.expires_at > now())), 0) AS pending,
                         lv.level_code
                  FROM unnest($1::bigint[]) AS m(id) LEFT JOIN points_account a ON a.member_id = m.id LEFT JOIN member_level lv ON lv.member_id = m.id) t
            """, [.intArray(members)])
        {
            let id: Int64 = try row.decode(at: 0)
            guard let balance: Int64 = try row.decode(at: 1), let pending: Int64 = try row.decode(at: 2) else {
                PointsLimits.hit(.outOfRange, ["member": "\(id)"])
                throw StorageError.refused(
                    reason: .pointsOutOfRange, message: "member \(id) holds more points than can be counted; an operator must correct the ledger")
            }
            out[id] = (balance, pending, try row.decode(at: 3))
        }
        return out
    }

    /// Entries of the member, newest first, before `beforeID`.
    public func history(member id: Int64, beforeID: Int64?, limit: Int) async throws -> (member: Int64, entries: [PointsEntryRecord]) {
        try await pool.withConnection { c in
            let member = try MemberMerger.liveMember(c, id)
            let entries = try c.queryPrepared(
                """
                SELECT e.id, crm_rfc3339(e.at), e.kind, e.points, s.code, o.channel, o.order_no, r.refund_no, e.detail::text, e.actor, e.reason,
                       e.idempotency_key, e.run_id, e.merge_id
                FROM points_entry e
                LEFT JOIN shop_order o ON o.id = e.order_id LEFT JOIN shop s ON s.id = o.shop_id LEFT JOIN refund r ON r.id = e.refund_id
                WHERE e.member_id = $1 AND ($2::bigint IS NULL OR e.id < $2)
                ORDER BY e.id DESC LIMIT $3
                """, [.int(member), .optional(beforeID), .int(Int64(limit))]
            ).map { row in
                var order: (String, String, String)? = nil
                if let shop: String = try row.decode(at: 4) { order = (shop, try row.decode(at: 5), try row.decode(at: 6)) }
                let detail: String? = try row.decode(at: 8)
                return PointsEntryRecord(
                    id: try row.decode(at: 0), at: try row.decode(at: 1), kind: try row.decode(at: 2), points: try row.decode(at: 3),
                    order: order, refundNo: try row.decode(at: 7), detail: try detail.map { try JSONParser.parse($0) },
                    actor: try row.decode(at: 9), reason: try row.decode(at: 10), idempotencyKey: try row.decode(at: 11),
                    runID: try row.decode(at: 12), mergeID: try row.decode(at: 13))
            }
            return (member, entries)
        }
    }

    /// What a points request asks, for idempotency: the same key must come with the same request.
    public struct Request: Sendable {
        public var method: String
        public var member: Int64
        public var points: Int64
        public var key: String
        public var reason: String
        public var kind: String
        public var project: String?
        public init(method: String, member: Int64, points: Int64, key: String, reason: String, kind: String, project: String?) {
            self.method = method
            self.member = member
            self.points = points
            self.key = key
            self.reason = reason
            self.kind = kind
            self.project = project
        }
        var canonical: String {
            JSONSerializer.canonical([
                "method": .string(method), "member": .int(member), "points": .int(points), "reason": .string(reason),
                "kind": .string(kind), "project": project.map(JSONValue.string) ?? .null,
            ])
        }
    }

    /// Spends, donates or adjusts points once per idempotency key: a replay answers the first result.
    public func change(_ request: Request, policy: PointsPolicy, actor: String) async throws -> PointsChange {
        try await pool.withTransaction { c in
            // Requests with the same key run one after another, so a replay always sees the first; and
            // no merge moves the member's points meanwhile (the identity lock, shared).
            try c.queryPrepared("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [.int(Int64(Self.requestLockSpace)), .text(request.key)])
            try c.lockIdentityShared()
            if let row = try c.queryPrepared(
                """
                SELECT request_hash = sha256(convert_to($2, 'UTF8')), result::text FROM points_request WHERE idempotency_key = $1
                """, [.text(request.key), .text(request.canonical)]
            ).single {
                guard try row.decode(Bool.self, at: 0) else {
                    throw StorageError.conflict(reason: .idempotencyKeyReused, message: "idempotency key \(request.key) was used for another request")
                }
                let r = try JSONParser.parse(try row.decode(String.self, at: 1))
                return PointsChange(
                    entryID: r["entry_id"]?.int64Value ?? 0, member: r["member_id"]?.int64Value ?? 0,
                    points: r["points"]?.int64Value ?? 0, balance: r["balance"]?.int64Value ?? 0, replayed: true)
            }
            let member = try MemberMerger.liveMember(c, request.member)
            let ledger = PointsLedger(c: c, policy: policy)
            let detail: JSONObject? = request.project.map { ["project": .string($0)] }
            let done: (entry: Int64, balance: Int64)
            switch (request.kind, request.points > 0) {
            case ("adjust", true):
                done = try ledger.credit(member: member, points: request.points, actor: actor, reason: request.reason, key: request.key)
            case ("adjust", false):
                done = try ledger.spend(
                    member: member, points: -request.points, kind: "adjust", actor: actor, reason: request.reason, key: request.key, detail: detail)
            default:
                precondition(request.points > 0 && ["spend", "donate"].contains(request.kind), "redeem spends or donates a positive number of points")
                done = try ledger.spend(
                    member: member, points: request.points, kind: request.kind, actor: actor, reason: request.reason, key: request.key, detail: detail)
            }
            let signed = request.kind == "adjust" ? request.points : -request.points
            let result: JSONValue = ["entry_id": .int(done.entry), "member_id": .int(member), "points": .int(signed), "balance": .int(done.balance)]
            try c.queryPrepared(
                """
                INSERT INTO points_request (idempotency_key, method, request_hash, member_id, entry_id, result)
                VALUES ($1, $2, sha256(convert_to($3, 'UTF8')), $4, $5, $6::jsonb)
                """,
                [.text(request.key), .text(request.method), .text(request.canonical), .int(member), .int(done.entry), .text(JSONSerializer.serialize(result))])
            return PointsChange(entryID: done.entry, member: member, points: signed, balance: done.balance, replayed: false)
        }
    }

    static let requestLockSpace: Int32 = 0x70726571  // "preq"

    // MARK: rules

    /// A rule as stored, with its version.
    public struct RuleRecord: Sendable {
        public var rule: AccrualRule
        public var createdAt: String
        public var createdBy: String
        public var disabledAt: String?
    }

    /// Adds a rule, or a new version of the rule with that name (retiring the old one).
    public func addRule(_ rule: AccrualRule, actor: String) async throws -> RuleRecord {
        try await pool.withTransaction { c in
            try c.queryPrepared("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [.int(Int64(Self.requestLockSpace)), .text("rule:" + rule.name)])
            let version: Int64 = try c.queryPrepared("SELECT COALESCE(max(version), 0) + 1 FROM points_rule WHERE name = $1", [.text(rule.name)]).single!
                .decode(at: 0)
            try c.queryPrepared(
                "UPDATE points_rule SET disabled_at = now(), disabled_by = $2 WHERE name = $1 AND disabled_at IS NULL", [.text(rule.name), .text(actor)])
            let row = try c.queryPrepared(
                """
                INSERT INTO points_rule (name, version, definition, created_by) VALUES ($1, $2, $3::jsonb, $4) RETURNING id, crm_rfc3339(created_at)
                """, [.text(rule.name), .int(version), .text(JSONSerializer.serialize(AccrualRuleDefinition.render(rule))), .text(actor)]
            ).single!
            var stored = rule
            stored.id = try row.decode(at: 0)
            stored.version = version
            return RuleRecord(rule: stored, createdAt: try row.decode(at: 1), createdBy: actor, disabledAt: nil)
        }
    }

    public func rules(includeDisabled: Bool) async throws -> [RuleRecord] {
        try await pool.withConnection { c in
            try c.queryPrepared(
                """
                SELECT id, name, version, definition::text, crm_rfc3339(created_at), created_by, crm_rfc3339(disabled_at)
                FROM points_rule WHERE $1 OR disabled_at IS NULL ORDER BY name, version
                """, [.bool(includeDisabled)]
            ).map { row in
                let name: String = try row.decode(at: 1)
                let object = try JSONParser.parse(try row.decode(String.self, at: 3)).objectValue ?? JSONObject()
                let rule = try AccrualRuleDefinition.parse(object, id: try row.decode(at: 0), name: name, version: try row.decode(at: 2))
                return RuleRecord(rule: rule, createdAt: try row.decode(at: 4), createdBy: try row.decode(at: 5), disabledAt: try row.decode(at: 6))
            }
        }
    }

    public func disableRule(name: String, actor: String) async throws -> Int64 {
        try await pool.withTransaction { c in
            guard
                let row = try c.queryPrepared(
                    "UPDATE points_rule SET disabled_at = now(), disabled_by = $2 WHERE name = $1 AND disabled_at IS NULL RETURNING id",
                    [.text(name), .text(actor)]
                ).single
            else {
                throw StorageError.notFound(reason: .ruleNotFound, message: "no rule in force named \(name)")
            }
            return try row.decode(at: 0)
        }
    }
}
