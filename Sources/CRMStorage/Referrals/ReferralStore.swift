import CRMDomain
import CRMJSON
import CRMPostgres

/// A member's referrals as `referral.get` shows them.
public struct ReferralRecord: Sendable {
    public struct Binding: Sendable {
        public var id: Int64
        public var member: Int64
        public var name: String?
        public var code: String
        public var status: String
        public var source: String
        public var boundAt: String
        public var qualifiedAt: String?
        public var voidReason: String?
        /// Points paid on this binding to the member shown, less what was taken back.
        public var points: Int64
    }
    public var member: Int64
    public var code: String
    public var referredBy: Binding?
    public var referred: [Binding]
}

/// Top referrers and conversion, for `referral.stats`.
public struct ReferralStats: Sendable {
    public struct Referrer: Sendable {
        public var member: Int64
        public var name: String?
        public var referred: Int64
        public var rewarded: Int64
        public var voided: Int64
        public var points: Int64
    }
    public var bindings: Int64
    public var rewarded: Int64
    public var voided: Int64
    public var top: [Referrer]
}

/// Referrals for the server's methods: codes and links, bindings by hand, what a member referred and
/// earned, statistics, and the versioned reward programme.
public struct ReferralStore: Sendable {
    let pool: PostgresPool
    let codec: PersonalDataCodec

    public init(pool: PostgresPool, codec: PersonalDataCodec) {
        self.pool = pool
        self.codec = codec
    }

    public static let maxReferredShown = 500

    /// The member's code (made on first use) and the programme's link for it.
    public func link(member id: Int64) async throws -> (member: Int64, code: String, url: String) {
        try await pool.withTransaction { c in
            let member = try MemberMerger.liveMember(c, id)
            let code = try ReferralBook.code(c, for: member)
            return (member, code, try ReferralBook.program(c).link(code: code))
        }
    }

    public func get(member id: Int64) async throws -> ReferralRecord {
        try await pool.withTransaction { c in
            let member = try MemberMerger.liveMember(c, id)
            let code = try ReferralBook.code(c, for: member)
            // Points each binding paid to one side, less what was taken back.
            let rows = try c.queryPrepared(
                """
                SELECT b.id, b.referred_id, b.referrer_id, b.code,
                       -- Rewarded but a reward still in its pending period (the return window): qualified.
                       CASE WHEN b.status = 'rewarded' AND EXISTS (
                                SELECT 1 FROM referral_reward r JOIN points_lot l ON l.id = r.lot_id
                                WHERE r.binding_id = b.id AND r.side <> 'share' AND r.reversed_entry_id IS NULL AND l.available_at > now())
                            THEN 'qualified' ELSE b.status END,
                       b.source, crm_rfc3339(b.bound_at), crm_rfc3339(b.qualified_at), b.void_reason,
                       COALESCE((SELECT sum(r.points) FILTER (WHERE r.reversed_entry_id IS NULL) FROM referral_reward r
                                 WHERE r.binding_id = b.id AND r.side = CASE WHEN b.referred_id = $1 THEN 'referred' ELSE r.side END
                                   AND (b.referred_id = $1 OR r.side <> 'referred')), 0)::bigint,
                       m.name_sealed, \(PersonalDataCodec.keyColumns("k"))
                FROM referral_binding b JOIN member m ON m.id = CASE WHEN b.referred_id = $1 THEN b.referrer_id ELSE b.referred_id END
                LEFT JOIN data_key k ON k.id = m.key_id
                WHERE b.referred_id = $1 OR b.referrer_id = $1
                ORDER BY b.id LIMIT $2
                """, [.int(member), .int(Int64(Self.maxReferredShown + 1))])
            var referredBy: ReferralRecord.Binding? = nil
            var referred: [ReferralRecord.Binding] = []
            for row in rows {
                // A voided self-referral has the member on both sides once the merge moved them: it is
                // one the member made (and lost), never a referrer of their own.
                let isReferred = try row.decode(Int64.self, at: 1) == member && row.decode(Int64.self, at: 2) != member
                let binding = ReferralRecord.Binding(
                    id: try row.decode(at: 0), member: try row.decode(at: isReferred ? 2 : 1), name: try codec.open(row, value: 10, key: 11),
                    code: try row.decode(at: 3),
                    status: try row.decode(at: 4), source: try row.decode(at: 5), boundAt: try row.decode(at: 6), qualifiedAt: try row.decode(at: 7),
                    voidReason: try row.decode(at: 8), points: try row.decode(at: 9))
                if isReferred { referredBy = binding } else if referred.count < Self.maxReferredShown { referred.append(binding) }
            }
            return ReferralRecord(member: member, code: code, referredBy: referredBy, referred: referred)
        }
    }

    /// An operator binds a member to the owner of `code` (audited): the same rules as a signup.
    public func bind(
        member id: Int64, code: String, actor: String, actorTokenID: Int64?, reason: String, policy: PointsPolicy
    ) async throws -> (binding: Int64, member: Int64) {
        guard let normal = ReferralCode.normalize(code) else {
            throw StorageError.invalid(field: "code", reason: .badCode, message: "a referral code is 8 of 23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
        }
        return try await pool.withTransaction { c in
            try c.queryPrepared("SELECT pg_advisory_xact_lock($1)", [.int(IngestEngine.identityLockKey)])
            let member = try MemberMerger.liveMember(c, id)
            let book = ReferralBook(c: c, policy: policy)
            switch try book.bind(referred: member, code: normal, source: "operator", actor: actor, reason: reason) {
            case .success(let binding):
                try AuditLog.record(c, tokenID: actorTokenID, action: "referral.bind", subject: "member:\(member)", detail: ["code": normal, "reason": reason])
                try book.settle([member], actor: actor)
                return (binding, member)
            case .failure(.unknownCode):
                throw StorageError.notFound(reason: .unknownCode, message: "no member has the referral code \(normal)")
            case .failure(let refusal):
                throw StorageError.refused(
                    reason: ErrorReason(rawValue: refusal.rawValue), message: "member \(member) cannot be bound with \(normal) (\(refusal.rawValue))")
            }
        }
    }

    public func stats(limit: Int) async throws -> ReferralStats {
        try await pool.withConnection { c in
            let totals = try c.queryPrepared(
                """
                SELECT count(*), count(*) FILTER (WHERE status = 'rewarded'), count(*) FILTER (WHERE status = 'voided') FROM referral_binding
                """, []
            ).single!
            let top = try c.queryPrepared(
                """
                SELECT b.referrer_id, m.name_sealed, count(*), count(*) FILTER (WHERE b.status = 'rewarded'), count(*) FILTER (WHERE b.status = 'voided'),
                       COALESCE((SELECT sum(r.points) FROM referral_reward r JOIN referral_binding x ON x.id = r.binding_id
                                 WHERE x.referrer_id = b.referrer_id AND r.side <> 'referred' AND r.reversed_entry_id IS NULL), 0)::bigint,
                       \(PersonalDataCodec.keyColumns("k"))
                FROM referral_binding b JOIN member m ON m.id = b.referrer_id LEFT JOIN data_key k ON k.id = m.key_id
                GROUP BY b.referrer_id, m.name_sealed, k.id ORDER BY count(*) FILTER (WHERE b.status = 'rewarded') DESC, count(*) DESC, b.referrer_id LIMIT $1
                """, [.int(Int64(limit))]
            ).map {
                ReferralStats.Referrer(
                    member: try $0.decode(at: 0), name: try codec.open($0, value: 1, key: 6), referred: try $0.decode(at: 2), rewarded: try $0.decode(at: 3),
                    voided: try $0.decode(at: 4), points: try $0.decode(at: 5))
            }
            return ReferralStats(bindings: try totals.decode(at: 0), rewarded: try totals.decode(at: 1), voided: try totals.decode(at: 2), top: top)
        }
    }

    public func program() async throws -> ReferralProgram {
        try await pool.withConnection { c in try ReferralBook.program(c) }
    }

    /// Saves a new version of the programme (audited); returns it with its version.
    public func setProgram(_ program: ReferralProgram, actor: String, actorTokenID: Int64?) async throws -> ReferralProgram {
        try await pool.withTransaction { c in
            try c.queryPrepared("LOCK TABLE referral_program IN SHARE ROW EXCLUSIVE MODE", [])
            try ReferralCoupons.checkTemplates(c, program)
            var saved = program
            saved.version = try c.queryPrepared("SELECT COALESCE(max(version), 0) + 1 FROM referral_program", []).single!.decode(at: 0)
            let json = JSONSerializer.serialize(ReferralProgramDefinition.render(saved))
            try c.queryPrepared(
                "INSERT INTO referral_program (version, definition, created_by) VALUES ($1, $2::jsonb - 'version', $3)",
                [.int(saved.version), .text(json), .text(actor)])
            try AuditLog.record(c, tokenID: actorTokenID, action: "referral.program.set", subject: "referral_program:\(saved.version)", detail: ["value": json])
            return saved
        }
    }
}
