import CRMDomain
import CRMPostgres
import CRMText

/// Applies, one at a time, the events the set-based path does not take: upserts of accounts that
/// exist already (updates), paid orders that name coupons (`CouponOrder`), and the refunds of a
/// segment that refunds an order which qualified a rewarded referral (`RefundRun` leaves those to
/// this path). Runs inside the batch's transaction
/// and the event's savepoint.
struct EventApplier {
    let c: PostgresConnection
    let shopID: Int64
    let policy: IdentityPolicy
    let codec: PersonalDataCodec
    let loyalty: LoyaltyPolicy
    /// The push's set-based path, which a paid order with coupons goes through alone (`CouponOrder`).
    let bulk: BulkIngest

    var merger: MemberMerger { MemberMerger(c: c, policy: policy, codec: codec, loyalty: loyalty) }

    func apply(_ event: SyncEvent, index: Int) throws -> Int64 {
        switch event.payload {
        case .memberUpsert(let profile, let raw, let attributes, let platformIDs):
            return try upsert(event, profile, raw: raw, attributes: attributes, platformIDs: platformIDs)
        case .orderPaid(let order):
            precondition(!order.coupons.isEmpty, "paid orders without coupons always take the set-based path")
            return try CouponOrder(bulk: bulk).apply(event, order, index: index)
        case .orderRefunded(let refund):
            return try refunded(event, refund, index: index)
        }
    }

    /// Updates an existing account (new accounts always take the set-based path) and re-resolves it.
    private func upsert(_ event: SyncEvent, _ p: MemberProfile, raw: String, attributes: String, platformIDs: String) throws -> Int64 {
        guard
            let existing = try c.queryPrepared(
                """
                SELECT a.id, a.member_id, a.source_updated_at IS NOT NULL AND a.source_updated_at > $4::timestamptz, \(PersonalDataCodec.keyColumns("k"))
                FROM account a LEFT JOIN data_key k ON k.id = a.key_id
                WHERE a.shop_id = $1 AND a.channel = $2 AND a.external_id = $3 FOR UPDATE OF a
                """, [.int(shopID), .text(event.channel.rawValue), .text(p.externalID), .text(event.occurredAt)]
            ).single
        else {
            preconditionFailure("upserts of new accounts always take the set-based path")
        }
        let accountID: Int64 = try existing.decode(at: 0)
        if try existing.decode(Bool.self, at: 2) {
            // Older than what the account already holds: recorded, changes nothing.
            return try merger.liveMember(try existing.decode(at: 1))
        }
        // The account keeps the data key it was made with (an erased account has none and is never
        // found here: erasure renames its external id).
        guard let cipher = try codec.cipher(existing, at: 3) else { preconditionFailure("account \(accountID) has no data key") }
        let sealed = SealedProfile.sealedColumns([BulkIngest.accountFields(p)], cipher: cipher)
        let fields = PersonFields(name: p.nameKey, birthday: p.birthday, address: p.address, region: p.region, phone: p.phoneKey, forms: ChineseForms.shared)
        try c.queryPrepared(
            """
            UPDATE account SET gender = $2, region = $3, name_sealed = ($4::text[])[1], nickname_sealed = ($5::text[])[1], phone_sealed = ($6::text[])[1],
                email_sealed = ($7::text[])[1], birthday_sealed = ($8::text[])[1], address_sealed = ($9::text[])[1], platform_ids_sealed = $10,
                attributes_sealed = $11, raw_sealed = $12, attribute_hashes = $13::bigint[],
                registered_at = COALESCE($14::timestamptz, registered_at), referral_code = COALESCE($15, referral_code),
                source_updated_at = $16::timestamptz, match_sealed = $17, updated_at = now()
            WHERE id = $1
            """,
            [.int(accountID), .optional(p.gender), .optional(p.region)] + sealed
                + [
                    .optional(cipher.seal(platformIDs)), .optional(cipher.seal(attributes)), .optional(cipher.seal(raw)),
                    .text(codec.attributeHashesText(attributes)), .optional(p.registeredAt), .optional(p.referralCode), .text(event.occurredAt),
                    .optional(cipher.seal(fields.storedForm)),
                ])
        try AttributeTagger(c: c).apply(accounts: [accountID], attributes: [attributes], actor: "sync")
        let keys = IdentityKey.keys(of: p, priority: policy.keyPriority)
        try c.queryPrepared("DELETE FROM identity_key WHERE account_id = $1", [.int(accountID)])
        if !keys.isEmpty {
            try c.queryPrepared(
                "INSERT INTO identity_key (account_id, kind, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v) ON CONFLICT DO NOTHING",
                [.int(accountID), .textArray(keys.map(\.kind)), .textArray(keys.map { codec.index(kind: $0.kind, $0.value) })])
        }
        try c.queryPrepared("DELETE FROM blocking_key WHERE account_id = $1", [.int(accountID)])
        let blocks = codec.blockingIndexes(fields)
        try BlockingKeyRows.insert(c, accounts: blocks.map { _ in accountID }, keys: blocks)
        try IdentityJournal(c: c).note([accountID], replaced: true)
        let resolver = IdentityResolver(c: c, policy: policy, model: try IdentityModelStore.current(c), codec: codec, merger: merger)
        let memberID = try resolver.resolve(accountID: accountID, keys: keys, fields: fields)
        try merger.recomputeGolden(memberID)
        return memberID
    }

    static func orderNotFound(_ refund: Refund, index: Int) -> EventRejection {
        EventRejection(
            .notFound, reason: .orderNotFound, message: "no order \(refund.orderNo) in this shop and channel",
            field: "events[\(index)].refund.order_no")
    }

    static func refundExceedsOrder(_ refund: Refund, left: Int64, index: Int) -> EventRejection {
        EventRejection(
            .refused, reason: .refundExceedsOrder,
            message: "refund of \(Money.format(fen: refund.amountFen)) is more than the \(Money.format(fen: left)) left of order \(refund.orderNo)",
            field: "events[\(index)].refund.amount")
    }

    static func refundExists(_ refund: Refund, index: Int) -> EventRejection {
        EventRejection(
            .conflict, reason: .refundExists, message: "refund \(refund.refundNo) was already received in another event",
            field: "events[\(index)].refund.refund_no")
    }

    /// One refund: as a run of one (`RefundRun`), then what it does to a referral its order qualified.
    private func refunded(_ event: SyncEvent, _ refund: Refund, index: Int) throws -> Int64 {
        let item = RefundRun.Item(index: index, event: event, value: refund)
        guard let result = try RefundRun(c: c, shopID: shopID, policy: loyalty.points).apply([item], alone: true)?.first else {
            preconditionFailure("a refund applied alone always gets a result")
        }
        if let rejection = result.outcome.rejection { throw rejection }
        guard let order = result.order, let member = result.outcome.memberID else { preconditionFailure("an applied refund names its order and member") }
        try ReferralBook(c: c, policy: loyalty.points, push: bulk.push).refunded(orderID: order, refundedAt: refund.refundedAt, actor: "sync")
        return member
    }
}
