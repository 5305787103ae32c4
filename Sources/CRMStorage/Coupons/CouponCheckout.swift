import CRMDomain
import CRMJSON
import CRMPostgres

/// What a till asks of `coupon.redeem`.
public struct CouponRedeemRequest: Sendable {
    public var code: String
    public var shop: String
    public var amountFen: Int64
    public var channel: Channel?
    public var items: [Cart.Item]
    public var orderNo: String?
    public var member: Int64?
    public var key: String

    public init(code: String, shop: String, amountFen: Int64, channel: Channel?, items: [Cart.Item], orderNo: String?, member: Int64?, key: String) {
        self.code = code
        self.shop = shop
        self.amountFen = amountFen
        self.channel = channel
        self.items = items
        self.orderNo = orderNo
        self.member = member
        self.key = key
    }

    var cart: Cart { Cart(shop: shop, channel: channel, amountFen: amountFen, items: items) }

    /// What the request asks, for idempotency: the same key must come with the same request.
    var canonical: String {
        JSONSerializer.canonical([
            "code": .string(code), "shop": .string(shop), "amount_fen": .int(amountFen), "channel": channel.map { .string($0.rawValue) } ?? .null,
            "items": .array(
                items.map {
                    ["sku": $0.sku.map(JSONValue.string) ?? .null, "category": $0.category.map(JSONValue.string) ?? .null, "amount_fen": .int($0.amountFen)]
                }),
            "order_no": orderNo.map(JSONValue.string) ?? .null, "member_id": member.map(JSONValue.int) ?? .null,
        ])
    }
}

/// What `coupon.redeem` did (stored for replays).
public struct CouponRedemption: Sendable {
    public var code: String
    public var template: String
    public var member: Int64
    public var shop: String
    public var orderNo: String?
    public var discountFen: Int64
    public var replayed: Bool
}

/// Redemption at a till, voiding and the daily expiry.
extension CouponStore {
    static let redeemMethod = "coupon.redeem"

    /// Redeems the coupon once per idempotency key (by `CouponRedeemer`): a replay answers the
    /// first result, a refusal changes nothing (and leaves the key unused).
    public func redeem(_ r: CouponRedeemRequest, actor: String) async throws -> CouponRedemption {
        try await pool.withTransaction { c in
            // The key's row is written first: a second request with the key waits here for the first to end.
            let fresh =
                try c.queryPrepared(
                    """
                    INSERT INTO coupon_request (idempotency_key, method, request_hash, result) VALUES ($1, $2, sha256(convert_to($3, 'UTF8')), '{}')
                    ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1
                    """, [.text(r.key), .text(Self.redeemMethod), .text(r.canonical)]
                ).single != nil
            if !fresh { return try Self.replay(c, r) }
            try c.lockIdentityShared()
            guard let shop = try c.queryPrepared("SELECT id FROM shop WHERE code = $1", [.text(r.shop)]).single else {
                throw StorageError.notFound(reason: .shopNotFound, message: "no shop \(r.shop)")
            }
            let member = try r.member.map { try MemberMerger.liveMember(c, $0) }
            let use = CouponRedeemer.Use(shopID: try shop.decode(at: 0), orderID: nil, orderNo: r.orderNo, actor: actor)
            switch try CouponRedeemer(c: c).redeem([r.code], member: member, cart: r.cart, use: use) {
            case .failure(let f):
                if f.reason == .couponNotFound { throw StorageError.notFound(reason: f.reason, message: f.message) }
                throw StorageError.refused(reason: f.reason, message: f.message)
            case .success(let redeemed):
                let done = CouponRedemption(
                    code: r.code, template: redeemed[0].template, member: redeemed[0].member, shop: r.shop, orderNo: r.orderNo,
                    discountFen: redeemed[0].discountFen, replayed: false)
                let result: JSONValue = [
                    "template": .string(done.template), "member_id": .int(done.member), "discount_fen": .int(done.discountFen),
                ]
                try c.queryPrepared(
                    "UPDATE coupon_request SET coupon_id = $2, result = $3::jsonb WHERE idempotency_key = $1",
                    [.text(r.key), .int(redeemed[0].id), .text(JSONSerializer.serialize(result))])
                return done
            }
        }
    }

    /// The first answer of a key already used, or `idempotency_key_reused`.
    static func replay(_ c: PostgresConnection, _ r: CouponRedeemRequest) throws -> CouponRedemption {
        let row = try c.queryPrepared(
            "SELECT method = $2 AND request_hash = sha256(convert_to($3, 'UTF8')), result::text FROM coupon_request WHERE idempotency_key = $1",
            [.text(r.key), .text(redeemMethod), .text(r.canonical)]
        ).single!
        guard try row.decode(Bool.self, at: 0) else {
            throw StorageError.conflict(reason: .idempotencyKeyReused, message: "idempotency key \(r.key) was used for another request")
        }
        let result = try JSONParser.parse(try row.decode(String.self, at: 1))
        return CouponRedemption(
            code: r.code, template: result["template"]?.stringValue ?? "", member: result["member_id"]?.int64Value ?? 0, shop: r.shop,
            orderNo: r.orderNo, discountFen: result["discount_fen"]?.int64Value ?? 0, replayed: true)
    }

    /// Voids a usable coupon; one that was used, expired or voided already is refused with why.
    public func void(code: String, reason: String, actor: String) async throws {
        try await pool.withTransaction { c in
            guard let row = try c.queryPrepared("SELECT id, status, member_id FROM coupon WHERE code = $1 FOR UPDATE", [.text(code)]).single else {
                throw StorageError.notFound(reason: .couponNotFound, message: "no coupon has the code \(code)")
            }
            let status: String = try row.decode(at: 1)
            switch CouponStatus(rawValue: status) {
            case .usable: break
            case .redeemed: throw StorageError.refused(reason: .couponUsed, message: "coupon \(code) was already used")
            case .expired: throw StorageError.refused(reason: .couponExpired, message: "coupon \(code) has expired")
            case .voided, nil: throw StorageError.refused(reason: .couponVoided, message: "coupon \(code) was voided already")
            }
            try c.queryPrepared(
                """
                WITH v AS (UPDATE coupon SET status = 'voided', ended_at = now() WHERE id = $1 RETURNING id, member_id)
                INSERT INTO coupon_event (coupon_id, kind, member_id, actor, detail) SELECT id, 'void', member_id, $2, jsonb_build_object('reason', $3::text) FROM v
                """, [.int(try row.decode(at: 0)), .text(actor), .text(reason)])
        }
    }

    /// Marks at most `limit` usable coupons whose validity ended by the end of `asOf` (merchant's
    /// day, and by now) expired, with their events; returns how many, and whether that was all.
    public func expire(asOf: String, offsetMinutes: Int, limit: Int, actor: String) async throws -> (expired: Int64, done: Bool) {
        guard let day = CivilTime.date(asOf) else { preconditionFailure("as_of was checked by the contract") }
        let cutoff = CivilTime.endOfDay(day, offsetMinutes: offsetMinutes)
        return try await pool.withTransaction { c in
            let n: Int64 = try c.queryPrepared(
                """
                WITH due AS (
                    SELECT id FROM coupon WHERE status = 'usable' AND expires_at <= LEAST(now(), to_timestamp($1))
                    ORDER BY expires_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
                ), ended AS (
                    UPDATE coupon c SET status = 'expired', ended_at = c.expires_at FROM due WHERE c.id = due.id RETURNING c.id, c.member_id
                ), events AS (
                    INSERT INTO coupon_event (coupon_id, kind, member_id, actor, detail)
                    SELECT id, 'expire', member_id, $3, jsonb_build_object('as_of', $4::text) FROM ended
                )
                SELECT count(*) FROM ended
                """, [.int(cutoff), .int(Int64(limit)), .text(actor), .text(asOf)]
            ).single!.decode(at: 0)
            return (n, n < Int64(limit))
        }
    }
}
