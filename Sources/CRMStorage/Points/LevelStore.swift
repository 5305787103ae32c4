import CRMDomain
import CRMJSON
import CRMPostgres

/// A member's level as `level.get` shows it.
public struct LevelStanding: Sendable {
    public struct Change: Sendable {
        public var at: String
        public var from: String?
        public var to: String
        public var reason: String
        public var actor: String
    }
    public var member: Int64
    public var code: String
    public var since: String?
    public var manual: Bool
    public var belowSince: String?
    public var qualifies: String
    public var spendFen: Int64
    public var orders: Int64
    public var history: [Change]
}

/// Levels for the server's methods: a member's standing, an operator's setting, and the periodic
/// re-evaluation of every member in batches that each commit on their own.
public struct LevelStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    public static let evaluationBatch = 5_000
    public static let historyShown = 50

    public func standing(member id: Int64, ladder: LevelLadder) async throws -> LevelStanding {
        try await pool.withConnection { c in
            let member = try MemberMerger.liveMember(c, id)
            let now: Int64 = try c.nowSeconds()
            let keeper = LevelKeeper(c: c, ladder: ladder)
            guard let s = try keeper.standings([member], asOfEnd: now + 1).first else {
                throw StorageError.notFound(reason: .memberNotFound, message: "no member \(id)")
            }
            let row = try c.queryPrepared("SELECT crm_rfc3339(since), crm_rfc3339(below_since) FROM member_level WHERE member_id = $1", [.int(member)]).single
            let history = try c.queryPrepared(
                """
                SELECT crm_rfc3339(at), from_code, to_code, reason, actor FROM level_change WHERE member_id = $1 ORDER BY id DESC LIMIT $2
                """, [.int(member), .int(Int64(Self.historyShown))]
            ).map {
                LevelStanding.Change(
                    at: try $0.decode(at: 0), from: try $0.decode(at: 1), to: try $0.decode(at: 2), reason: try $0.decode(at: 3), actor: try $0.decode(at: 4))
            }
            return LevelStanding(
                member: member, code: ladder.levels[ladder.rank(of: s.code)].code, since: try row?.decode(at: 0), manual: s.manual,
                belowSince: try row?.decode(at: 1), qualifies: ladder.levels[ladder.qualifyingRank(spendFen: s.spendFen, orders: s.orders)].code,
                spendFen: s.spendFen, orders: s.orders, history: history)
        }
    }

    /// An operator sets a member's level (audited); evaluation never lowers the member below it.
    public func set(
        member id: Int64, code: String, ladder: LevelLadder, actor: String, actorTokenID: Int64?, reason: String,
        offsetMinutes: Int = PointsPolicy().offsetMinutes
    ) async throws -> Int64 {
        guard ladder.levels.contains(where: { $0.code == code }) else {
            throw StorageError.invalid(field: "level", reason: .unknownLevel, message: "no level \(code): \(ladder.levels.map(\.code).joined(separator: ", "))")
        }
        return try await pool.withTransaction { c in
            try c.lockIdentityShared()
            let member = try MemberMerger.liveMember(c, id)
            try LevelKeeper(c: c, ladder: ladder, offsetMinutes: offsetMinutes).set(
                member, to: code, manual: true, reason: "manual", actor: actor, detail: ["reason": .string(reason)])
            try AuditLog.record(c, tokenID: actorTokenID, action: "level.set", subject: "member:\(member)", detail: ["level": code, "reason": reason])
            return member
        }
    }

    /// Replaces the ladder (the `levels` setting, `json` as stored) and, in the same transaction, moves
    /// every member holding a code the new ladder does not have to the rung they qualify for, so no
    /// member is left on a level that no longer exists. Returns how many moved.
    public func replaceLadder(_ ladder: LevelLadder, json: String, actor: String, actorTokenID: Int64?) async throws -> Int {
        try await pool.withTransaction { c in
            // No merge moves orders or levels meanwhile (the identity lock, shared, as the evaluation takes it).
            try c.lockIdentityShared()
            try SettingStore.write(c, "levels", json: json, actorTokenID: actorTokenID)
            return try LevelKeeper(c: c, ladder: ladder).moveOffRemovedRungs(now: try c.nowSeconds(), actor: actor)
        }
    }

    /// Re-evaluates every live member as of the end of local day `asOf`, in batches by member id.
    public func evaluate(
        asOf: String, offsetMinutes: Int, ladder: LevelLadder, actor: String, dryRun: Bool
    ) async throws -> (members: Int, raised: Int, lowered: Int, pendingDrop: Int) {
        let day = try AsOfDate(asOf, offsetMinutes: offsetMinutes)
        try await day.requireStarted(pool, offsetMinutes: offsetMinutes)
        let asOfEnd = day.end
        var total = (members: 0, raised: 0, lowered: 0, pendingDrop: 0)
        var cursor: Int64 = 0
        while true {
            let after = cursor
            let (outcome, last) = try await pool.withTransaction { c -> (LevelKeeper.Outcome, Int64?) in
                let keeper = LevelKeeper(c: c, ladder: ladder, offsetMinutes: offsetMinutes)
                // No merge moves these members' orders or levels while the batch decides (the identity lock, shared).
                if !dryRun { try c.lockIdentityShared() }
                let page = try c.queryPrepared(
                    "SELECT id FROM member WHERE id > $1 AND merged_into IS NULL ORDER BY id LIMIT $2",
                    [.int(after), .int(Int64(Self.evaluationBatch))]
                ).map { try $0.decode(Int64.self, at: 0) }
                // The page's levels are locked before its standings are read, so an order raising one of
                // them meanwhile waits and is not overwritten by a decision made on older figures.
                if !dryRun {
                    try c.queryPrepared("SELECT 1 FROM member_level WHERE member_id = ANY($1::bigint[]) ORDER BY member_id FOR UPDATE", [.intArray(page)])
                }
                let standings = try keeper.standings(page, asOfEnd: asOfEnd)
                let outcome = try keeper.apply(standings, lowering: true, reason: "evaluate", actor: actor, asOfEnd: asOfEnd, write: !dryRun)
                return (outcome, page.last)
            }
            total.members += outcome.members
            total.raised += outcome.raised
            total.lowered += outcome.lowered
            total.pendingDrop += outcome.pendingDrop
            guard let last else { return total }
            cursor = last
        }
    }
}
