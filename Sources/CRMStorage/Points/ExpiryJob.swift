import CRMDomain
import CRMJSON
import CRMPostgres

/// What one call of the expiry job did (or, in a dry run, would do).
public struct ExpiryBatch: Sendable {
    public var runID: Int64?
    public var members: Int64
    public var lots: Int64
    public var points: Int64
    public var done: Bool
    /// What the whole run has expired so far, as recorded with this batch (nil in a dry run): a
    /// client sums nothing itself, so a batch whose reply was lost is still counted.
    public var run: (members: Int64, lots: Int64, points: Int64)? = nil
}

/// The points-expiry job: runs guarded so two cannot overlap, each batch its own short
/// transaction, idempotent (what is expired stays expired; a clearing happens once per member and
/// period) and so resumable after a crash by simply running again.
public struct ExpiryJob: Sendable {
    let pool: PostgresPool
    static let job = "points-expiry"
    /// A run silent this long is abandoned and another may start.
    public static let staleAfterSeconds = 60
    public static let maxBatch = 10_000

    public init(pool: PostgresPool) { self.pool = pool }

    /// Runs one batch of expiry as of the end of local day `asOf`, starting a run when `runID` is nil.
    /// `liveHolders`: this process's holder-name prefix and its connections still open, so that a
    /// run held by one of its closed connections is taken over at once (see `start`).
    public func expire(
        asOf: String, limit: Int, runID: Int64?, holder: String, actor: String, policy: PointsPolicy, dryRun: Bool,
        liveHolders: (prefix: String, names: [String])? = nil
    ) async throws -> ExpiryBatch {
        precondition((1...Self.maxBatch).contains(limit), "batch size checked by the caller")
        let day = try AsOfDate(asOf, offsetMinutes: policy.offsetMinutes)
        try await day.requireStarted(pool, offsetMinutes: policy.offsetMinutes)
        let asOfEnd = day.end
        let period = policy.clearingPeriods(onOrBefore: day.date, limit: 1).first
        if dryRun { return try await preview(asOfEnd: asOfEnd, period: period, policy: policy) }
        let run: Int64
        if let runID {
            run = runID
        } else {
            run = try await start(asOf: asOf, holder: holder, actor: actor, liveHolders: liveHolders)
        }
        return try await pool.withTransaction { c in
            guard
                let row = try c.queryPrepared(
                    """
                    UPDATE job_run SET heartbeat_at = now() WHERE id = $1 AND status = 'running' AND holder = $2 RETURNING as_of::text, cursor
                    """, [.int(run), .text(holder)]
                ).single
            else {
                throw StorageError.conflict(
                    reason: .runNotRunning, message: "run \(run) is not running on this connection; start a new run (it resumes where this one stopped)")
            }
            guard try row.decode(String.self, at: 0) == asOf else {
                throw StorageError.invalid(field: "as_of", reason: .asOfMismatch, message: "run \(run) expires as of \(try row.decode(String.self, at: 0))")
            }
            var batch: ExpiryBatch
            if case .yearlyClearing(_, _, let share) = policy.expiry {
                guard let period else {
                    return try Self.finish(c, run, ExpiryBatch(runID: run, members: 0, lots: 0, points: 0, done: true))
                }
                batch = try Self.clear(c, run: run, cursor: try row.decode(at: 1), limit: limit, period: period, sharePercent: share, actor: actor)
            } else {
                batch = try Self.expireDue(c, run: run, asOf: asOf, asOfEnd: asOfEnd, limit: limit, actor: actor)
            }
            batch.runID = run
            let totals = try c.queryPrepared(
                """
                UPDATE job_run SET members = members + $2, lots = lots + $3, points = points + $4 WHERE id = $1 RETURNING members, lots, points
                """, [.int(run), .int(batch.members), .int(batch.lots), .int(batch.points)]
            ).single!
            batch.run = (try totals.decode(at: 0), try totals.decode(at: 1), try totals.decode(at: 2))
            return batch.done ? try Self.finish(c, run, batch) : batch
        }
    }

    private static func finish(_ c: PostgresConnection, _ run: Int64, _ batch: ExpiryBatch) throws -> ExpiryBatch {
        try c.queryPrepared("UPDATE job_run SET status = 'finished', finished_at = now() WHERE id = $1", [.int(run)])
        return batch
    }

    /// Starts a run, taking over one whose holder went silent, or whose holder was a connection of
    /// this process that has closed (its name starts with `liveHolders.prefix` and is not among
    /// `liveHolders.names`): abandoning it when the connection closed can fail (the database was
    /// recovering), and a rerun must not wait for the heartbeat to go stale. Refuses while another is going.
    private func start(asOf: String, holder: String, actor: String, liveHolders: (prefix: String, names: [String])?) async throws -> Int64 {
        try await pool.withTransaction { c in
            try c.queryPrepared(
                """
                UPDATE job_run SET status = 'abandoned', finished_at = now()
                WHERE job = $1 AND status = 'running'
                  AND (heartbeat_at < now() - make_interval(secs => $2)
                       OR ($3::text IS NOT NULL AND starts_with(holder, $3) AND holder <> ALL($4::text[])))
                """, [.text(Self.job), .int(Int64(Self.staleAfterSeconds)), .optional(liveHolders?.prefix), .textArray(liveHolders?.names ?? [])])
            if let row = try c.queryPrepared(
                """
                INSERT INTO job_run (job, as_of, holder, actor) VALUES ($1, $2::date, $3, $4)
                ON CONFLICT (job) WHERE status = 'running' DO NOTHING RETURNING id
                """, [.text(Self.job), .text(asOf), .text(holder), .text(actor)]
            ).single {
                return try row.decode(at: 0)
            }
            let other = try c.queryPrepared(
                """
                SELECT id, as_of::text, crm_rfc3339(started_at), actor FROM job_run WHERE job = $1 AND status = 'running'
                """, [.text(Self.job)]
            ).single
            let what =
                try other.map {
                    "run \(try $0.decode(Int64.self, at: 0)) as of \(try $0.decode(String.self, at: 1)), started \(try $0.decode(String.self, at: 2)) by \(try $0.decode(String.self, at: 3))"
                } ?? "another run"
            throw StorageError.conflict(reason: .jobRunning, message: "points expiry is already running: \(what)")
        }
    }

    /// Abandons the runs a closed connection held, so a new run may start at once.
    public func abandon(holder: String) async throws {
        _ = try await pool.withConnection { c in
            try c.queryPrepared("UPDATE job_run SET status = 'abandoned', finished_at = now() WHERE holder = $1 AND status = 'running'", [.text(holder)])
        }
    }

    /// Rolling policy: every due lot of up to `limit` members, in one statement. Lots are locked in
    /// the order every other path locks them (member, expiry, earning, id).
    static func expireDue(_ c: PostgresConnection, run: Int64, asOf: String, asOfEnd: Int64, limit: Int, actor: String) throws -> ExpiryBatch {
        let row = try c.queryPrepared(
            """
            WITH picked AS (SELECT DISTINCT member_id FROM (
                                SELECT member_id FROM points_lot WHERE remaining > 0 AND expires_at <= $1::timestamptz LIMIT $2) p),
            lots AS MATERIALIZED (
                SELECT l.id, l.member_id, l.remaining FROM points_lot l
                WHERE l.member_id IN (SELECT member_id FROM picked) AND l.remaining > 0 AND l.expires_at <= $1::timestamptz
                ORDER BY l.member_id, l.expires_at, l.earned_at, l.id FOR UPDATE),
            upd AS (UPDATE points_lot l SET remaining = 0 FROM lots WHERE l.id = lots.id),
            ent AS (INSERT INTO points_entry (member_id, kind, points, run_id, detail, actor)
                    SELECT member_id, 'expire', -sum(remaining), $3, jsonb_build_object('as_of', $4::text), $5 FROM lots GROUP BY member_id
                    RETURNING id, member_id),
            lnk AS (INSERT INTO points_entry_lot (entry_id, lot_id, points) SELECT ent.id, lots.id, -lots.remaining FROM lots JOIN ent USING (member_id))
            SELECT count(DISTINCT member_id), count(*), COALESCE(sum(remaining), 0)::bigint FROM lots
            """, [.text(CivilTime.rfc3339(asOfEnd)), .int(Int64(limit)), .int(run), .text(asOf), .text(actor)]
        ).single!
        let lots: Int64 = try row.decode(at: 1)
        return ExpiryBatch(runID: run, members: try row.decode(at: 0), lots: lots, points: try row.decode(at: 2), done: lots == 0)
    }

    /// Yearly clearing: `sharePercent` of the spendable balance of each member (in id order after
    /// `cursor`) not cleared for `period` yet, taken from lots oldest expiry first, in one statement.
    /// Lots are locked in the order every other path locks them; the share is computed from the lots
    /// just locked (running sums give each lot its part). The share (`ClearingShare`) is in whole
    /// points, so the lots' parts add up to exactly it.
    static func clear(_ c: PostgresConnection, run: Int64, cursor: Int64, limit: Int, period: String, sharePercent: Int64, actor: String) throws -> ExpiryBatch
    {
        let row = try c.queryPrepared(
            """
            WITH picked AS (SELECT DISTINCT member_id FROM points_lot WHERE remaining > 0 AND member_id > $1 ORDER BY member_id LIMIT $2),
            todo AS (SELECT p.member_id FROM picked p WHERE NOT EXISTS (SELECT 1 FROM points_entry_period e WHERE e.member_id = p.member_id AND e.period = $3)),
            locked AS MATERIALIZED (
                SELECT l.id, l.member_id, l.remaining, l.expires_at, l.earned_at,
                       l.available_at <= now() AND (l.expires_at IS NULL OR l.expires_at > now()) AS usable
                FROM points_lot l WHERE l.member_id IN (SELECT member_id FROM todo) AND l.remaining > 0
                ORDER BY l.member_id, l.expires_at NULLS LAST, l.earned_at, l.id FOR UPDATE),
            usable AS (SELECT id, member_id, remaining,
                              sum(remaining) OVER (PARTITION BY member_id ORDER BY expires_at NULLS LAST, earned_at, id) AS cum,
                              sum(remaining) OVER (PARTITION BY member_id) AS total
                       FROM locked WHERE usable),
            share AS (SELECT u.member_id, \(ClearingShare.sql(balance: "max(u.total) - COALESCE(max(a.debt), 0)", percent: "$4")) AS pts
                      FROM usable u LEFT JOIN points_account a ON a.member_id = u.member_id GROUP BY u.member_id),
            take AS MATERIALIZED (
                SELECT u.id, u.member_id, LEAST(u.remaining, s.pts - (u.cum - u.remaining))::bigint AS pts
                FROM usable u JOIN share s USING (member_id) WHERE s.pts > u.cum - u.remaining),
            upd AS (UPDATE points_lot l SET remaining = l.remaining - t.pts FROM take t WHERE l.id = t.id),
            ent AS (INSERT INTO points_entry (member_id, kind, points, run_id, period, detail, actor)
                    SELECT member_id, 'expire', -sum(pts), $5, $3, jsonb_build_object('period', $3::text, 'share_percent', $4::bigint), $6
                    FROM take GROUP BY member_id RETURNING id, member_id),
            lnk AS (INSERT INTO points_entry_lot (entry_id, lot_id, points) SELECT ent.id, t.id, -t.pts FROM take t JOIN ent USING (member_id))
            SELECT (SELECT max(member_id) FROM picked), (SELECT count(*) FROM ent), (SELECT count(*) FROM take), COALESCE((SELECT sum(pts) FROM take), 0)::bigint
            """, [.int(cursor), .int(Int64(limit)), .text(period), .int(sharePercent), .int(run), .text(actor)]
        ).single!
        guard let last: Int64 = try row.decode(at: 0) else { return ExpiryBatch(runID: run, members: 0, lots: 0, points: 0, done: true) }
        try c.queryPrepared("UPDATE job_run SET cursor = $2 WHERE id = $1", [.int(run), .int(last)])
        return ExpiryBatch(runID: run, members: try row.decode(at: 1), lots: try row.decode(at: 2), points: try row.decode(at: 3), done: false)
    }

    /// What a run would expire now, changing nothing.
    private func preview(asOfEnd: Int64, period: String?, policy: PointsPolicy) async throws -> ExpiryBatch {
        try await pool.withConnection { c in
            let row: PostgresRow
            if case .yearlyClearing(_, _, let share) = policy.expiry {
                guard let period else { return ExpiryBatch(runID: nil, members: 0, lots: 0, points: 0, done: true) }
                row = try c.queryPrepared(
                    """
                    SELECT count(*) FILTER (WHERE s > 0), 0::bigint, COALESCE(sum(s), 0)::bigint FROM (
                        SELECT \(ClearingShare.sql(balance: "sum(l.remaining) - COALESCE(max(a.debt), 0)", percent: "$1")) AS s
                        FROM points_lot l LEFT JOIN points_account a ON a.member_id = l.member_id
                        WHERE l.remaining > 0 AND l.available_at <= now() AND (l.expires_at IS NULL OR l.expires_at > now())
                          AND NOT EXISTS (SELECT 1 FROM points_entry_period e WHERE e.member_id = l.member_id AND e.period = $2)
                        GROUP BY l.member_id) t
                    """, [.int(share), .text(period)]
                ).single!
            } else {
                row = try c.queryPrepared(
                    """
                    SELECT count(DISTINCT member_id), count(*), COALESCE(sum(remaining), 0)::bigint FROM points_lot
                    WHERE remaining > 0 AND expires_at <= $1::timestamptz
                    """, [.text(CivilTime.rfc3339(asOfEnd))]
                ).single!
            }
            return ExpiryBatch(runID: nil, members: try row.decode(at: 0), lots: try row.decode(at: 1), points: try row.decode(at: 2), done: true)
        }
    }

    /// A member whose points expire soon, for the warning campaign.
    public struct Expiring: Sendable {
        public var member: MemberRecord
        public var balance: Int64
        public var points: Int64
        public var firstExpiry: String
        /// (last day the points count, points), by day.
        public var byDay: [(date: String, points: Int64)]
    }

    /// Members with points expiring after the end of `asOf` and within `withinDays`, by member id after `afterMember`.
    public func expiring(
        asOf: String, withinDays: Int64, afterMember: Int64?, limit: Int, policy: PointsPolicy, codec: PersonalDataCodec
    ) async throws -> [Expiring] {
        let from = try AsOfDate(asOf, offsetMinutes: policy.offsetMinutes).end
        let until = from + withinDays * 86_400
        return try await pool.withConnection { c in
            let rows = try c.queryPrepared(
                """
                SELECT member_id, sum(pts)::bigint, min(day), string_agg(day || ':' || pts, ',' ORDER BY day) FROM (
                    SELECT member_id, to_char((expires_at - interval '1 second') AT TIME ZONE $4::interval, 'YYYY-MM-DD') AS day, sum(remaining) AS pts
                    FROM points_lot WHERE remaining > 0 AND expires_at > $1::timestamptz AND expires_at <= $2::timestamptz AND member_id > $3
                    GROUP BY 1, 2) d
                GROUP BY member_id ORDER BY member_id LIMIT $5
                """,
                [
                    .text(CivilTime.rfc3339(from)), .text(CivilTime.rfc3339(until)), .int(afterMember ?? 0),
                    .text(CivilTime.offsetText(policy.offsetMinutes)), .int(Int64(limit)),
                ])
            let ids = try rows.map { try $0.decode(Int64.self, at: 0) }
            let records = Dictionary(uniqueKeysWithValues: try MemberStore.loadMany(c, ids, codec: codec).map { ($0.id, $0) })
            let standing = try PointsStore.standing(c, ids)
            return try rows.compactMap { row in
                let id: Int64 = try row.decode(at: 0)
                guard let record = records[id] else { return nil }
                let days = try row.decode(String.self, at: 3).split(separator: ",").map { pair in
                    let parts = pair.split(separator: ":")
                    return (String(parts[0]), Int64(parts[1]) ?? 0)
                }
                return Expiring(
                    member: record, balance: standing[id]?.balance ?? 0, points: try row.decode(at: 1), firstExpiry: try row.decode(at: 2), byDay: days)
            }
        }
    }
}
