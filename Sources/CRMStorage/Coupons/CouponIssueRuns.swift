import CRMDomain
import CRMJSON
import CRMPostgres

/// Where an issue run stands (`coupon.issue`): totals so far of the whole run.
public struct CouponIssueProgress: Sendable {
    public var runID: Int64
    public var template: String
    public var member: Int64?
    public var segment: String?
    public var issued: Int64
    public var skipped: Int64
    public var members: Int64
    public var total: Int64
    public var done: Bool
    /// The code issued (member runs).
    public var codes: [String]?
    public var replayed: Bool
}

/// Issuing by an operator (`coupon.issue`): one coupon to a member, or a template to every member
/// of a saved segment in committed batches. A run is named by its idempotency key; the same key
/// with the same request goes on with (or answers) the same run, with another request it is
/// `idempotency_key_reused`. A segment run walks the segment's members as they stood when it
/// started, in id order; each batch commits its coupons and the run's cursor together, so a run
/// stopped anywhere goes on where it stopped and issues nobody twice.
extension CouponStore {
    static let runLockSpace: Int32 = 0x63697275  // "ciru"

    /// What a run was asked, for idempotency.
    static func canonical(template: String, member: Int64?, segment: String?) -> String {
        JSONSerializer.canonical([
            "template": .string(template), "member_id": member.map(JSONValue.int) ?? .null, "segment": segment.map(JSONValue.string) ?? .null,
        ])
    }

    /// Issues one coupon of `template` to the member (its survivor if it was merged) once per key.
    public func issue(template: String, member id: Int64, key: String, actor: String, offsetMinutes: Int) async throws -> CouponIssueProgress {
        try await pool.withTransaction { c in
            let canonical = Self.canonical(template: template, member: id, segment: nil)
            try c.queryPrepared("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [.int(Int64(Self.runLockSpace)), .text(key)])
            if let run = try Self.run(c, key: key, canonical: canonical) { return run }
            try c.lockIdentityShared()
            let member = try MemberMerger.liveMember(c, id)
            // The template's lock is taken before the run's row refers to the template: the other
            // order would deadlock with a concurrent issue.
            let book = CouponBook(c: c, offsetMinutes: offsetMinutes)
            guard try book.lockTemplate(template) != nil else { throw Self.error(.templateNotFound, template: template, member: member) }
            let runID: Int64 = try c.queryPrepared(
                """
                INSERT INTO coupon_issue_run (idempotency_key, request_hash, template, member_id, members, total, done, actor)
                VALUES ($1, sha256(convert_to($2, 'UTF8')), $3, $4, 1, 1, true, $5) RETURNING id
                """, [.text(key), .text(canonical), .text(template), .int(member), .text(actor)]
            ).single!.decode(at: 0)
            let outcome = try book.issue(template, [.init(member: member, sourceRef: String(runID))], source: .operator, actor: actor)[0]
            switch outcome {
            case .failure(let refusal): throw Self.error(refusal, template: template, member: member)
            case .success(let issued):
                try c.queryPrepared("UPDATE coupon_issue_run SET issued = 1, coupon_id = $2 WHERE id = $1", [.int(runID), .int(issued.id)])
                return CouponIssueProgress(
                    runID: runID, template: template, member: member, segment: nil, issued: 1, skipped: 0, members: 1, total: 1, done: true,
                    codes: [issued.code], replayed: false)
            }
        }
    }

    static func error(_ refusal: CouponBook.Refusal, template: String, member: Int64?) -> StorageError {
        switch refusal {
        case .templateNotFound: return .notFound(reason: .templateNotFound, message: "no coupon template named \(template)")
        case .templateDisabled: return .refused(reason: .templateDisabled, message: "coupon template \(template) is disabled")
        case .templateExpired:
            return .refused(reason: .templateExpired, message: "coupon template \(template)'s dates have ended: a coupon issued now could never be used")
        case .budgetExhausted: return .refused(reason: .budgetExhausted, message: "the budget of coupon template \(template) is used up")
        case .perMemberLimit, .alreadyGiven:
            return .refused(
                reason: .perMemberLimit, message: "member \(member.map(String.init) ?? "-") already holds as many \(template) coupons as a member may")
        }
    }

    /// The run of `key`, if there is one: refused when it was started for another request.
    static func run(_ c: PostgresConnection, key: String, canonical: String, lock: Bool = false) throws -> CouponIssueProgress? {
        guard
            let row = try c.queryPrepared(
                """
                SELECT request_hash = sha256(convert_to($2, 'UTF8')), r.id, r.template, r.member_id, r.segment, r.issued, r.skipped, r.members,
                       r.total, r.done, c.code
                FROM coupon_issue_run r LEFT JOIN coupon c ON c.id = r.coupon_id WHERE r.idempotency_key = $1 \(lock ? "FOR UPDATE OF r" : "")
                """, [.text(key), .text(canonical)]
            ).single
        else { return nil }
        guard try row.decode(Bool.self, at: 0) else {
            throw StorageError.conflict(reason: .idempotencyKeyReused, message: "idempotency key \(key) was used for another request")
        }
        let member: Int64? = try row.decode(at: 3)
        let code: String? = try row.decode(at: 10)
        return CouponIssueProgress(
            runID: try row.decode(at: 1), template: try row.decode(at: 2), member: member, segment: try row.decode(at: 4), issued: try row.decode(at: 5),
            skipped: try row.decode(at: 6), members: try row.decode(at: 7), total: try row.decode(at: 8), done: try row.decode(at: 9),
            codes: member == nil ? nil : code.map { [$0] } ?? [], replayed: true)
    }

    /// The segment run of `key` as it stands, without changing it (nil: not started).
    public func segmentRun(template: String, segment: String, key: String) async throws -> CouponIssueProgress? {
        try await pool.withConnection { c in
            try Self.run(c, key: key, canonical: Self.canonical(template: template, member: nil, segment: segment))
        }
    }

    /// Starts a segment run: takes the segment's members as they are now (a second start with the
    /// same key finds the run already there and leaves it).
    public func startSegmentRun(
        template: String, segment: String, filter: SegmentFilter, context: MeasureContext, key: String, actor: String
    ) async throws {
        try await pool.withTransaction { c in
            let canonical = Self.canonical(template: template, member: nil, segment: segment)
            try c.queryPrepared("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [.int(Int64(Self.runLockSpace)), .text(key)])
            if try Self.run(c, key: key, canonical: canonical) != nil { return }
            guard try c.queryPrepared("SELECT 1 FROM coupon_template WHERE name = $1", [.text(template)]).single != nil else {
                throw StorageError.notFound(reason: .templateNotFound, message: "no coupon template named \(template)")
            }
            let runID: Int64 = try c.queryPrepared(
                """
                INSERT INTO coupon_issue_run (idempotency_key, request_hash, template, segment, actor)
                VALUES ($1, sha256(convert_to($2, 'UTF8')), $3, $4, $5) RETURNING id
                """, [.text(key), .text(canonical), .text(template), .text(segment), .text(actor)]
            ).single!.decode(at: 0)
            try MeasureContext.prepare(c)
            let resolved = try context.resolve(c)
            let q = try SegmentCompiler.compile(filter, context: resolved.compiler, asOf: resolved.asOf, on: c)
            let n = q.params.count
            try c.query(
                """
                WITH ins AS (INSERT INTO coupon_issue_member (run_id, member_id) SELECT $\(n + 1)::bigint, id FROM (\(q.sql)) seg RETURNING 1)
                UPDATE coupon_issue_run SET total = (SELECT count(*) FROM ins) WHERE id = $\(n + 1)
                """, q.params + [.int(runID)])
        }
    }

    /// Issues the next batch of at most `limit` members of a started segment run and commits it
    /// with the run's cursor; a finished run answers its totals.
    public func issueBatch(
        template: String, segment: String, key: String, limit: Int, actor: String, offsetMinutes: Int
    ) async throws
        -> CouponIssueProgress
    {
        try await pool.withTransaction { c in
            let canonical = Self.canonical(template: template, member: nil, segment: segment)
            guard var run = try Self.run(c, key: key, canonical: canonical, lock: true) else {
                preconditionFailure("issueBatch on a run that was not started")
            }
            if run.done { return run }
            run.replayed = false
            try c.lockIdentityShared()
            let cursor: Int64 = try c.queryPrepared("SELECT cursor FROM coupon_issue_run WHERE id = $1", [.int(run.runID)]).single!.decode(at: 0)
            let ids = try c.queryPrepared(
                "SELECT member_id FROM coupon_issue_member WHERE run_id = $1 AND member_id > $2 ORDER BY member_id LIMIT $3",
                [.int(run.runID), .int(cursor), .int(Int64(limit) + 1)]
            ).map { try $0.decode(Int64.self, at: 0) }
            let batch = Array(ids.prefix(limit))
            var done = ids.count <= limit
            // Members merged away since the run started are passed over: their coupons would go to
            // the survivor, who is in the segment in their own right or not at all.
            let live = try c.queryPrepared(
                "SELECT id FROM member WHERE id = ANY($1::bigint[]) AND merged_into IS NULL ORDER BY id", [.intArray(batch)]
            ).map { try $0.decode(Int64.self, at: 0) }
            let outcomes = try CouponBook(c: c, offsetMinutes: offsetMinutes).issue(
                template, live.map { .init(member: $0, sourceRef: String(run.runID)) }, source: .segment, actor: actor)
            for case .failure(let refusal) in outcomes where refusal == .templateNotFound || refusal == .templateDisabled || refusal == .templateExpired {
                throw Self.error(refusal, template: template, member: nil)
            }
            let issued = Int64(outcomes.filter { if case .success = $0 { true } else { false } }.count)
            var members = Int64(batch.count), skipped = members - issued
            var last = batch.last ?? cursor
            if !done && outcomes.contains(where: { if case .failure(.budgetExhausted) = $0 { true } else { false } }) {
                // The budget is used up: nobody after this batch can get one either.
                let rest = try c.queryPrepared(
                    "SELECT count(*), max(member_id) FROM coupon_issue_member WHERE run_id = $1 AND member_id > $2", [.int(run.runID), .int(last)]
                ).single!
                let more: Int64 = try rest.decode(at: 0)
                members += more
                skipped += more
                last = try rest.decode(at: 1) ?? last
                done = true
            }
            try c.queryPrepared(
                """
                UPDATE coupon_issue_run SET cursor = $2, members = members + $3, issued = issued + $4, skipped = skipped + $5, done = $6, updated_at = now()
                WHERE id = $1
                """, [.int(run.runID), .int(last), .int(members), .int(issued), .int(skipped), .bool(done)])
            // The member list has served its purpose; the run's totals stay.
            if done { try c.queryPrepared("DELETE FROM coupon_issue_member WHERE run_id = $1", [.int(run.runID)]) }
            run.members += members
            run.issued += issued
            run.skipped += skipped
            run.done = done
            return run
        }
    }
}
