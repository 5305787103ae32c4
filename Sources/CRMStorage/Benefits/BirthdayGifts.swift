import CRMDomain
import CRMJSON
import CRMPostgres

/// One batch of the daily birthday gifts inside the caller's transaction: live members in id order
/// whose birthday falls on the day and whose level has a `birthday_gift` get it once a year —
/// points as a `gift` entry of period `birthday:YYYY`, or a coupon (source `birthday`, the year as
/// its cause) — with a `birthday_gift` notice. Birthdays are read through the personal-data codec,
/// so the batch works on sealed values.
struct BirthdayGifts {
    let c: PostgresConnection
    let loyalty: LoyaltyPolicy
    let codec: PersonalDataCodec

    /// What a batch did.
    struct Outcome {
        var members: Int64 = 0
        var pointsGifts: Int64 = 0
        var points: Int64 = 0
        var couponGifts: Int64 = 0
        var skipped: Int64 = 0
        /// The last member looked at (nil: none was).
        var last: Int64?
    }

    /// A member due a gift, with the level it is given for.
    struct Due {
        var member: Int64
        var level: LevelLadder.Level
        var gift: LevelBenefit
    }

    func batch(asOf: (year: Int64, month: Int64, day: Int64), after: Int64, limit: Int, actor: String) throws -> Outcome {
        // No merge moves these members' points or coupons while the batch gives them.
        try c.lockIdentityShared()
        var outcome = Outcome()
        var due: [Due] = []
        for row in try c.queryPrepared(
            """
            SELECT m.id, m.birthday_sealed, l.level_code, \(PersonalDataCodec.keyColumns("k")) FROM member m LEFT JOIN member_level l ON l.member_id = m.id
            LEFT JOIN data_key k ON k.id = m.key_id WHERE m.id > $1 AND m.merged_into IS NULL ORDER BY m.id LIMIT $2
            """, [.int(after), .int(Int64(limit))])
        {
            let member: Int64 = try row.decode(at: 0)
            outcome.members += 1
            outcome.last = member
            let level = loyalty.ladder.levels[loyalty.ladder.rank(of: try row.decode(at: 2))]
            guard let gift = level.benefit(.birthdayGift), let born = try codec.cipher(row, at: 3)?.open(try row.decode(at: 1)).flatMap(CivilTime.date),
                BirthdayGift.isDue(birthday: born, on: asOf, when: gift.when ?? .month)
            else { continue }
            due.append(Due(member: member, level: level, gift: gift))
        }
        var notices: [NoticeOutbox.Notice] = []
        try givePoints(due, year: asOf.year, actor: actor, outcome: &outcome, notices: &notices)
        try giveCoupons(due, year: asOf.year, actor: actor, outcome: &outcome, notices: &notices)
        try NoticeOutbox(c: c).write(notices)
        return outcome
    }

    private func givePoints(_ due: [Due], year: Int64, actor: String, outcome: inout Outcome, notices: inout [NoticeOutbox.Notice]) throws {
        let wanted = due.filter { if case .points = $0.gift.gift { true } else { false } }
        guard !wanted.isEmpty else { return }
        let ledger = PointsLedger(c: c, policy: loyalty.points)
        let period = BirthdayGift.period(year: year)
        // Locked first, so a second run of the same day waits here and then finds the gift given.
        try ledger.lockAccounts(wanted.map(\.member))
        let given = Set(
            try c.queryPrepared(
                "SELECT member_id FROM points_entry_period WHERE member_id = ANY($1::bigint[]) AND period = $2",
                [.intArray(wanted.map(\.member)), .text(period)]
            ).map { try $0.decode(Int64.self, at: 0) })
        // Given already this year: passed over. The rest are granted set-based, a group per rung
        // (its points, level and gift name); the balance limit passes over whoever has no room.
        var groups: [String: [Due]] = [:]
        for d in wanted {
            guard case .points(let points)? = d.gift.gift else { continue }
            if given.contains(d.member) {
                outcome.skipped += 1
                continue
            }
            groups["\(points)|\(d.level.code)|\(d.gift.name)", default: []].append(d)
        }
        for key in groups.keys.sorted() {
            let list = groups[key]!
            guard case .points(let points)? = list[0].gift.gift else { continue }
            let done = try ledger.grantMany(
                points, to: list.map(\.member), kind: "gift", detail: ["benefit": "birthday_gift", "level": .string(list[0].level.code)],
                actor: actor, reason: list[0].gift.name, period: period)
            outcome.skipped += Int64(done.refused.count)
            for d in list where done.entries[d.member] != nil {
                outcome.pointsGifts += 1
                outcome.points += points
                notices.append(notice(d, year: year, ["points": .int(points)]))
            }
        }
    }

    private func giveCoupons(_ due: [Due], year: Int64, actor: String, outcome: inout Outcome, notices: inout [NoticeOutbox.Notice]) throws {
        var byTemplate: [String: [Due]] = [:]
        for d in due {
            if case .coupon(let template)? = d.gift.gift { byTemplate[template, default: []].append(d) }
        }
        let book = CouponBook(c: c, offsetMinutes: loyalty.points.offsetMinutes)
        // Template by template in name order, the order `CouponBook` locks them in.
        for template in byTemplate.keys.sorted() {
            let list = byTemplate[template]!
            let results = try book.issue(
                template, list.map { CouponBook.Grant(member: $0.member, sourceRef: String(year)) }, source: .birthday, actor: actor, notice: nil)
            for (d, result) in zip(list, results) {
                switch result {
                case .success(let coupon):
                    outcome.couponGifts += 1
                    notices.append(
                        notice(
                            d, year: year,
                            [
                                "coupon": [
                                    "code": .string(coupon.code), "template": .string(template), "expires_at": .string(CivilTime.rfc3339(coupon.expiresAt)),
                                ]
                            ]))
                case .failure:
                    outcome.skipped += 1
                }
            }
        }
    }

    private func notice(_ d: Due, year: Int64, _ gift: JSONObject) -> NoticeOutbox.Notice {
        var body: JSONObject = ["year": .int(year), "name": .string(d.gift.name), "level": ["code": .string(d.level.code), "name": .string(d.level.name)]]
        for (k, v) in gift { body[k] = v }
        return NoticeOutbox.Notice(member: d.member, kind: .birthdayGift, body: body, dedupe: "birthday_gift:\(year)")
    }
}
