import CRMDomain
import CRMJSON
import CRMPostgres

/// Referral rewards as coupons, and the `referral_reward` notices of every reward credited: the
/// programme may name a coupon template for the referrer and for the referred member, issued with
/// the first-order rewards (source `referral`, the binding and side as the cause, so each is given
/// once whatever is replayed). Runs in the transaction that pays the rewards.
struct ReferralCoupons {
    let c: PostgresConnection
    let offsetMinutes: Int
    /// The push paying the rewards, which locks its templates together (nil outside a push).
    let push: PushCoupons?

    /// Issues the programme's coupons of a binding's first order to both sides, templates in name order.
    func firstOrder(_ program: ReferralProgram, binding: Int64, referrer: Int64, referred: Int64, orderNo: String, actor: String) throws {
        let sides = [("referrer", referrer, program.referrerCoupon), ("referred", referred, program.referredCoupon)]
            .compactMap { side, member, template in template.map { (side: side, member: member, template: $0) } }
            .sorted { ($0.template, $0.side) < ($1.template, $1.side) }
        guard !sides.isEmpty else { return }
        try push?.lockTemplates()
        let book = CouponBook(c: c, offsetMinutes: offsetMinutes)
        for s in sides {
            let ref = "\(binding):\(s.side)"
            // A template out of budget, at the member's limit or disabled gives nothing; the points rewards stand.
            let issued = try book.issue(s.template, [.init(member: s.member, sourceRef: ref)], source: .referral, actor: actor, notice: nil)
            guard case .success(let coupon)? = issued.first else { continue }
            try notice(
                to: s.member, side: s.side, binding: binding, orderNo: orderNo,
                [
                    "coupon": .string(coupon.code), "template": .string(s.template),
                    "expires_at": .string(CivilTime.rfc3339(coupon.expiresAt)),
                ])
        }
    }

    /// The programme's coupon templates exist (`referral.program.set` refuses one that does not).
    static func checkTemplates(_ c: PostgresConnection, _ program: ReferralProgram) throws {
        for name in [program.referrerCoupon, program.referredCoupon].compactMap({ $0 })
        where try c.queryPrepared("SELECT 1 FROM coupon_template WHERE name = $1", [.text(name)]).single == nil {
            throw StorageError.notFound(reason: .templateNotFound, message: "no coupon template named \(name)")
        }
    }

    /// Tells a member a referral reward was credited (points or a coupon).
    func notice(to member: Int64, side: String, binding: Int64, orderNo: String?, _ reward: JSONObject) throws {
        var body = reward
        body["side"] = .string(side)
        body["binding"] = .int(binding)
        if let orderNo { body["order_no"] = .string(orderNo) }
        try NoticeOutbox(c: c).write([NoticeOutbox.Notice(member: member, kind: .referralReward, body: body)])
    }
}
