import CRMDomain
import CRMJSON
import CRMPostgres

/// Points for a coupon (積分兌換現金券, `coupon.exchange`): in one transaction the template's
/// `points_price` is spent in the ledger (a `spend` entry whose detail names the coupon) and the
/// coupon issued (source `points`). Once per idempotency key: a replay answers the first result;
/// the same key with another request is a conflict.
public struct CouponExchange: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// What an exchange did (or did the first time, when `replayed`).
    public struct Done: Sendable, Equatable {
        public var code: String
        public var template: String
        public var member: Int64
        public var points: Int64
        public var balance: Int64
        public var entryID: Int64
        public var expiresAt: String
        public var replayed: Bool
    }

    static let method = "coupon.exchange"
    static let lockSpace: Int32 = 0x6378_6368  // "cxch"

    public func exchange(member: Int64, template: String, key: String, policy: PointsPolicy, actor: String) async throws -> Done {
        let canonical = JSONSerializer.canonical(["method": .string(Self.method), "member": .int(member), "template": .string(template)])
        return try await pool.withTransaction { c in
            // Requests with one key run one after another, so a replay sees the first; no merge moves the member meanwhile.
            try c.queryPrepared("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [.int(Int64(Self.lockSpace)), .text(key)])
            try c.lockIdentityShared()
            if let first = try Self.replay(c, key: key, canonical: canonical) { return first }
            let live = try MemberMerger.liveMember(c, member)
            let ledger = PointsLedger(c: c, policy: policy)
            let book = CouponBook(c: c, offsetMinutes: policy.offsetMinutes)
            // The points account before the template, as a push that earns and then issues takes them.
            _ = try ledger.lockAccount(live)
            guard let locked = try book.lockTemplate(template) else {
                throw StorageError.notFound(reason: .templateNotFound, message: "no coupon template named \(template)")
            }
            guard let price = locked.template.pointsPrice else {
                throw StorageError.refused(reason: .notForPoints, message: "coupon template \(template) is not for sale for points")
            }
            let issued: CouponBook.Issued
            switch try book.issue(template, [.init(member: live, sourceRef: key)], source: .points, actor: actor).first {
            case .success(let coupon)?: issued = coupon
            case .failure(let refusal)?:
                throw StorageError.refused(
                    reason: refusal.reason, message: "coupon template \(template) cannot be issued to member \(live): \(refusal.reason.rawValue)")
            case nil: preconditionFailure("one grant, one answer")
            }
            let spent = try ledger.spend(
                member: live, points: price, kind: "spend", actor: actor, reason: "coupon exchange", key: key,
                detail: ["coupon": .string(issued.code), "template": .string(template)])
            let done = Done(
                code: issued.code, template: template, member: live, points: price, balance: spent.balance, entryID: spent.entry,
                expiresAt: CivilTime.rfc3339(issued.expiresAt), replayed: false)
            try c.queryPrepared(
                """
                INSERT INTO coupon_request (idempotency_key, method, request_hash, coupon_id, result) VALUES ($1, $2, sha256(convert_to($3, 'UTF8')), $4, $5::jsonb)
                """, [.text(key), .text(Self.method), .text(canonical), .int(issued.id), .text(JSONSerializer.serialize(Self.render(done)))])
            return done
        }
    }

    private static func replay(_ c: PostgresConnection, key: String, canonical: String) throws -> Done? {
        guard
            let row = try c.queryPrepared(
                "SELECT request_hash = sha256(convert_to($2, 'UTF8')), result::text FROM coupon_request WHERE idempotency_key = $1",
                [.text(key), .text(canonical)]
            ).single
        else { return nil }
        guard try row.decode(Bool.self, at: 0) else {
            throw StorageError.conflict(reason: .idempotencyKeyReused, message: "idempotency key \(key) was used for another request")
        }
        let r = try JSONParser.parse(try row.decode(String.self, at: 1))
        return Done(
            code: r["code"]?.stringValue ?? "", template: r["template"]?.stringValue ?? "", member: r["member_id"]?.int64Value ?? 0,
            points: r["points"]?.int64Value ?? 0, balance: r["balance"]?.int64Value ?? 0, entryID: r["entry_id"]?.int64Value ?? 0,
            expiresAt: r["expires_at"]?.stringValue ?? "", replayed: true)
    }

    private static func render(_ d: Done) -> JSONValue {
        [
            "code": .string(d.code), "template": .string(d.template), "member_id": .int(d.member), "points": .int(d.points),
            "balance": .int(d.balance), "entry_id": .int(d.entryID), "expires_at": .string(d.expiresAt),
        ]
    }
}
