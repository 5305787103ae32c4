import CRMDomain
import CRMJSON
import CRMPostgres

/// Redeems coupons on the caller's connection, inside the transaction of the checkout or the paid
/// order that uses them: the one place that decides whether a coupon can be used (by `CouponCheck`)
/// and marks it redeemed. The coupons' rows are locked in code order until commit, so of many
/// concurrent attempts on one code exactly one wins; the others find it used.
struct CouponRedeemer {
    let c: PostgresConnection

    /// A coupon redeemed, with what it took off.
    struct Redeemed: Equatable {
        var id: Int64
        var code: String
        var template: String
        var member: Int64
        var discountFen: Int64
    }

    /// Why the coupons were not redeemed (none was): the code at fault and the reason.
    struct Failure: Error, Equatable {
        var code: String
        var reason: ErrorReason
        var message: String
    }

    /// Where the coupons are used: the shop, and the order when there is one.
    struct Use {
        var shopID: Int64
        var orderID: Int64?
        var orderNo: String?
        var actor: String
    }

    static let maxCodes = 10

    /// Redeems all of `codes` (normalised, distinct) on `cart` (at the member's price), or none.
    /// `member` is the live member buying (nil: whoever holds the coupon, as a till that does not
    /// know the member); coupons held by someone else are refused. Several coupons on one cart must
    /// all be stackable; together they never take off more than the cart's amount.
    func redeem(_ codes: [String], member: Int64?, cart: Cart, use: Use) throws -> Result<[Redeemed], Failure> {
        precondition(!codes.isEmpty && codes.count <= Self.maxCodes && Set(codes).count == codes.count, "1 to \(Self.maxCodes) distinct codes")
        let now = try c.nowSeconds()
        var held: [String: (id: Int64, member: Int64, template: CouponTemplate, standing: CouponCheck.Standing)] = [:]
        for row in try c.queryPrepared(
            """
            SELECT c.id, c.code, c.member_id, c.status, extract(epoch FROM c.valid_from)::bigint, extract(epoch FROM c.expires_at)::bigint,
                   v.definition::text, v.version, c.template
            FROM coupon c JOIN coupon_template_version v ON v.id = c.template_id
            WHERE c.code = ANY($1::text[]) ORDER BY c.code FOR UPDATE OF c
            """, [.textArray(codes)])
        {
            let code: String = try row.decode(at: 1)
            let template = CouponTemplateDefinition.stored(
                try JSONParser.parse(try row.decode(String.self, at: 6)), name: try row.decode(at: 8), version: try row.decode(at: 7))
            guard let status = CouponStatus(rawValue: try row.decode(at: 3)) else { preconditionFailure("coupon \(code) has an unknown status") }
            held[code] = (
                try row.decode(at: 0), try row.decode(at: 2), template,
                CouponCheck.Standing(status: status, validFrom: try row.decode(at: 4), expiresAt: try row.decode(at: 5))
            )
        }
        var redeemed: [Redeemed] = []
        var left = cart.amountFen
        for code in codes {
            guard let coupon = held[code] else { return .failure(Failure(code: code, reason: .couponNotFound, message: "no coupon has the code \(code)")) }
            if let member, coupon.member != member {
                return .failure(Failure(code: code, reason: .couponOtherMember, message: "coupon \(code) belongs to another member"))
            }
            if codes.count > 1 && !coupon.template.stackable {
                return .failure(Failure(code: code, reason: .couponNotStackable, message: "coupon \(code) cannot be used together with other coupons"))
            }
            switch CouponCheck.discount(coupon.template, coupon.standing, cart: cart, now: now) {
            case .failure(let refusal):
                return .failure(Failure(code: code, reason: refusal.reason, message: Self.message(refusal, code, coupon.template)))
            case .success(let off):
                let taken = min(off, left)
                left -= taken
                redeemed.append(Redeemed(id: coupon.id, code: code, template: coupon.template.name, member: coupon.member, discountFen: taken))
            }
        }
        try mark(redeemed, use)
        return .success(redeemed)
    }

    private func mark(_ redeemed: [Redeemed], _ use: Use) throws {
        try c.queryPrepared(
            """
            WITH used AS (
                UPDATE coupon c SET status = 'redeemed', redeemed_at = now(), redeemed_shop_id = $3, redeemed_order_id = $4, redeemed_order_no = $5,
                                    discount_fen = t.off
                FROM unnest($1::bigint[], $2::bigint[]) AS t(id, off) WHERE c.id = t.id
                RETURNING c.id, c.member_id, t.off
            )
            INSERT INTO coupon_event (coupon_id, kind, member_id, actor, detail)
            SELECT id, 'redeem', member_id, $6, jsonb_build_object('discount_fen', off, 'order_no', $5::text) FROM used
            """,
            [
                .intArray(redeemed.map(\.id)), .intArray(redeemed.map(\.discountFen)), .int(use.shopID), .optional(use.orderID), .optional(use.orderNo),
                .text(use.actor),
            ])
    }

    static func message(_ refusal: CouponCheck.Refusal, _ code: String, _ template: CouponTemplate) -> String {
        switch refusal {
        case .used: "coupon \(code) was already used"
        case .expired: "coupon \(code) has expired"
        case .voided: "coupon \(code) was voided"
        case .notYetValid: "coupon \(code) is not valid yet"
        case .belowMinSpend: "coupon \(code) needs a spend of at least \(Money.format(fen: template.minSpendFen)) on what it covers"
        case .outOfScope: "coupon \(code) cannot be used on this shop, channel or these items"
        }
    }
}
