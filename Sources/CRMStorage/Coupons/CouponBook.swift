import CRMDomain
import CRMJSON
import CRMPostgres

/// Issues coupons on the caller's connection, inside the transaction of their cause (an order, a
/// level rise, a segment batch...): the one place that enforces a template's budget, its
/// per-member limit and once-per-cause gifts, writes the `issue` events of the books and the
/// members' notices. The template's row is locked until commit, so concurrent issues of one
/// template never pass its budget or a member's limit; callers issuing several templates in one
/// transaction issue them in name order.
struct CouponBook {
    let c: PostgresConnection
    /// The merchant's UTC offset (points policy), for validity by days.
    let offsetMinutes: Int

    /// One coupon wanted: for whom and for what cause.
    struct Grant {
        var member: Int64
        /// The cause (an order id, a year, a run id...); gifts of `oncePerCause` sources need it.
        var sourceRef: String?
    }

    /// Why a grant was not issued.
    enum Refusal: Error, Equatable {
        case templateNotFound
        case templateDisabled
        /// Its fixed dates have ended: a coupon issued now could never be used.
        case templateExpired
        case budgetExhausted
        case perMemberLimit
        /// The same cause already gave this template to the member.
        case alreadyGiven

        var reason: ErrorReason {
            switch self {
            case .templateNotFound: .templateNotFound
            case .templateDisabled: .templateDisabled
            case .templateExpired: .templateExpired
            case .budgetExhausted: .budgetExhausted
            case .perMemberLimit, .alreadyGiven: .perMemberLimit
            }
        }
    }

    /// A coupon just issued.
    struct Issued {
        var id: Int64
        var code: String
        var member: Int64
        var expiresAt: Int64
    }

    /// The template's active version, locked for this transaction.
    struct LockedTemplate {
        var versionID: Int64
        var template: CouponTemplate
        var disabled: Bool
        /// Coupons still allowed by the budget (nil: no limit).
        var budgetLeft: Int64?
    }

    func lockTemplate(_ name: String) throws -> LockedTemplate? {
        guard
            let row = try c.queryPrepared(
                """
                SELECT v.id, v.version, v.definition::text, t.disabled_at IS NOT NULL, t.budget - t.issued
                FROM coupon_template t JOIN coupon_template_version v ON v.name = t.name
                WHERE t.name = $1 ORDER BY v.version DESC LIMIT 1 FOR NO KEY UPDATE OF t
                """, [.text(name)]
            ).single
        else { return nil }
        let version: Int64 = try row.decode(at: 1)
        let definition = try JSONParser.parse(try row.decode(String.self, at: 2))
        return LockedTemplate(
            versionID: try row.decode(at: 0), template: CouponTemplateDefinition.stored(definition, name: name, version: version),
            disabled: try row.decode(at: 3), budgetLeft: try row.decode(at: 4))
    }

    /// Issues `template` for each grant (members are live members, each at most once per call),
    /// in order; a grant the budget, the member's limit or an earlier gift for the same cause
    /// refuses is answered with the refusal, and the others are still issued.
    func issue(
        _ name: String, _ grants: [Grant], source: CouponSource, actor: String, notice: NoticeKind? = .couponIssued, marketing: Bool? = nil
    ) throws -> [Result<Issued, Refusal>] {
        precondition(Set(grants.map(\.member)).count == grants.count, "a member is granted a template at most once per call")
        precondition(!source.oncePerCause || grants.allSatisfy { $0.sourceRef != nil }, "gifts for a cause name their cause")
        guard !grants.isEmpty else { return [] }
        guard let locked = try lockTemplate(name) else { return grants.map { _ in .failure(.templateNotFound) } }
        if locked.disabled { return grants.map { _ in .failure(.templateDisabled) } }
        let now = try c.nowSeconds()
        if locked.template.validity.window(issuedAt: now, offsetMinutes: offsetMinutes).until <= now {
            return grants.map { _ in .failure(.templateExpired) }
        }
        var outcome = [Result<Issued, Refusal>?](repeating: nil, count: grants.count)
        let held = try heldCounts(name, grants.map(\.member))
        var wanted: [Int] = []
        for (i, g) in grants.enumerated() {
            if held[g.member, default: 0] >= locked.template.perMemberLimit {
                outcome[i] = .failure(.perMemberLimit)
            } else if let left = locked.budgetLeft, Int64(wanted.count) >= left {
                outcome[i] = .failure(.budgetExhausted)
            } else {
                wanted.append(i)
            }
        }
        let written = try insert(wanted.map { grants[$0] }, locked, source: source, actor: actor, now: now)
        for i in wanted { outcome[i] = written[grants[i].member].map { .success($0) } ?? .failure(.alreadyGiven) }
        let issued = wanted.compactMap { written[grants[$0].member] }
        try c.queryPrepared("UPDATE coupon_template SET issued = issued + $2 WHERE name = $1", [.text(name), .int(Int64(issued.count))])
        if let notice {
            try NoticeOutbox(c: c).write(issued.map { Self.notice($0, locked.template, kind: notice, marketing: marketing) })
        }
        return outcome.map { $0! }
    }

    /// Coupons of the template each member holds now (in any status).
    private func heldCounts(_ name: String, _ members: [Int64]) throws -> [Int64: Int64] {
        var held: [Int64: Int64] = [:]
        for row in try c.queryPrepared(
            "SELECT member_id, count(*) FROM coupon WHERE template = $1 AND member_id = ANY($2::bigint[]) GROUP BY member_id",
            [.text(name), .intArray(members)])
        {
            held[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        return held
    }

    /// Writes the coupons and their `issue` events; grants whose cause already gave the template
    /// are skipped (absent from the answer).
    private func insert(_ grants: [Grant], _ locked: LockedTemplate, source: CouponSource, actor: String, now: Int64) throws -> [Int64: Issued] {
        guard !grants.isEmpty else { return [:] }
        let window = locked.template.validity.window(issuedAt: now, offsetMinutes: offsetMinutes)
        let codes = grants.map { _ in CouponCode.make() }
        var out: [Int64: Issued] = [:]
        for row in try c.queryPrepared(
            """
            WITH new AS (
                INSERT INTO coupon (code, template_id, template, member_id, origin_member_id, source, source_ref, issued_at, valid_from, expires_at, actor)
                SELECT code, $1, $2, m, m, $3, ref, to_timestamp($4), to_timestamp($5), to_timestamp($6), $7
                FROM unnest($8::text[], $9::bigint[], $10::text[]) WITH ORDINALITY AS t(code, m, ref, n) ORDER BY n
                ON CONFLICT (origin_member_id, source, source_ref, template)
                    WHERE source IN ('birthday', 'order', 'level', 'referral', 'points') DO NOTHING
                RETURNING id, code, member_id
            ), events AS (
                INSERT INTO coupon_event (coupon_id, kind, member_id, actor, detail)
                SELECT id, 'issue', member_id, $7, jsonb_build_object('source', $3::text) FROM new
            )
            SELECT id, code, member_id FROM new
            """,
            [
                .int(locked.versionID), .text(locked.template.name), .text(source.rawValue), .int(now), .int(window.from), .int(window.until),
                .text(actor), .textArray(codes), .intArray(grants.map(\.member)), .textArray(grants.map(\.sourceRef)),
            ])
        {
            let member: Int64 = try row.decode(at: 2)
            out[member] = Issued(id: try row.decode(at: 0), code: try row.decode(at: 1), member: member, expiresAt: window.until)
        }
        return out
    }

    static func notice(_ coupon: Issued, _ template: CouponTemplate, kind: NoticeKind, marketing: Bool?) -> NoticeOutbox.Notice {
        var body = JSONObject()
        body["code"] = .string(coupon.code)
        body["template"] = .string(template.name)
        if let title = template.title { body["title"] = .string(title) }
        if let face = template.faceFen { body["value"] = .string(Money.format(fen: face)) }
        body["expires_at"] = .string(CivilTime.rfc3339(coupon.expiresAt))
        return NoticeOutbox.Notice(member: coupon.member, kind: kind, body: body, marketing: marketing)
    }
}
