import CRMDomain
import CRMJSON
import CRMPostgres

/// Tells members their level changed, inside the transaction of the change: a `level_up` or
/// `level_down` notice naming the benefits gained and lost, and on a rise the coupon of the new
/// level's `level_gift` (once per member and level: a member who drops and rises again does not get
/// it twice). A gift its template refuses (missing, disabled, over budget or limit) is left out.
struct LevelAnnouncer {
    let c: PostgresConnection
    let ladder: LevelLadder
    let offsetMinutes: Int

    /// One change of one member's level (`from` nil: the member had no level row, the entry level).
    struct Change {
        var member: Int64
        var from: String?
        var to: String
    }

    func announce(_ changes: [Change], actor: String) throws {
        let moves = changes.filter { ($0.from ?? ladder.levels[0].code) != $0.to }
        guard !moves.isEmpty else { return }
        let gifts = try giveLevelGifts(moves.filter { ladder.rank(of: $0.to) > ladder.rank(of: $0.from) }, actor: actor)
        try NoticeOutbox(c: c).write(moves.map { notice($0, gift: gifts[$0.member]) })
    }

    /// Issues the `level_gift` coupons of the levels reached, template by template in name order
    /// (the order `CouponBook` needs); returns the coupons issued by member.
    private func giveLevelGifts(_ rises: [Change], actor: String) throws -> [Int64: CouponBook.Issued] {
        var byTemplate: [String: [CouponBook.Grant]] = [:]
        for rise in rises {
            guard case .coupon(let template)? = ladder.levels[ladder.rank(of: rise.to)].benefit(.levelGift)?.gift else { continue }
            byTemplate[template, default: []].append(CouponBook.Grant(member: rise.member, sourceRef: rise.to))
        }
        var issued: [Int64: CouponBook.Issued] = [:]
        let book = CouponBook(c: c, offsetMinutes: offsetMinutes)
        for template in byTemplate.keys.sorted() {
            for case .success(let coupon) in try book.issue(template, byTemplate[template]!, source: .level, actor: actor, notice: nil) {
                issued[coupon.member] = coupon
            }
        }
        return issued
    }

    private func notice(_ change: Change, gift: CouponBook.Issued?) -> NoticeOutbox.Notice {
        let from = ladder.levels[ladder.rank(of: change.from)]
        let to = ladder.levels[ladder.rank(of: change.to)]
        let up = ladder.rank(of: change.to) > ladder.rank(of: change.from)
        func refs(_ benefits: [LevelBenefit]) -> JSONValue {
            .array(benefits.map { ["code": .string($0.code), "name": .string($0.name)] })
        }
        let had = Set(from.benefits.map(\.code)), has = Set(to.benefits.map(\.code))
        var body: JSONObject = [
            "from": ["code": .string(from.code), "name": .string(from.name), "price_percent": .int(from.pricePercent)],
            "to": ["code": .string(to.code), "name": .string(to.name), "price_percent": .int(to.pricePercent)],
            "gained": refs(to.benefits.filter { !had.contains($0.code) }),
            "lost": refs(from.benefits.filter { !has.contains($0.code) }),
        ]
        if let gift {
            body["gift"] = ["code": .string(gift.code), "expires_at": .string(CivilTime.rfc3339(gift.expiresAt))]
        }
        return NoticeOutbox.Notice(member: change.member, kind: up ? .levelUp : .levelDown, body: body)
    }
}
