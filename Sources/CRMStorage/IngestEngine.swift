import CRMDomain
import CRMPostgres

/// Applies one pushed batch of a shop's events in one transaction: events in order, each inside
/// a savepoint so a rejected event leaves nothing behind while the rest apply; every outcome
/// recorded by (shop, event id) so a replay answers `duplicate` with the first outcome forever.
/// A shop's pushes apply one after another (a per-shop advisory lock). Pushes of different shops
/// write their rows in parallel; identity resolution takes one transaction-scoped advisory lock held
/// until commit, so each push resolves against everything committed before it and two pushes never
/// merge the same members at once (accounts two pushes add at the same time are matched by the one
/// that resolves second). A push screens its new accounts for possible matches before it waits for
/// that lock and, holding it, only against what committed meanwhile (`IdentityJournal`).
public struct IngestEngine: Sendable {
    static let identityLockKey: Int64 = 0x63726d5f6964  // "crm_id"
    /// The first key of the two-key advisory locks that serialise one shop's pushes.
    static let shopLockSpace: Int32 = 0x63736870  // "cshp"

    let pool: PostgresPool
    let codec: PersonalDataCodec

    public init(pool: PostgresPool, codec: PersonalDataCodec = PersonalDataCodec()) {
        self.pool = pool
        self.codec = codec
    }

    /// Applies `events` for `shopCode`; one outcome per event, in order.
    public func push(shopCode: String, events: [PushedEvent], policy: IdentityPolicy, loyalty: LoyaltyPolicy) async throws -> [EventOutcome] {
        let codec = self.codec
        return try await pool.withTransaction { c in
            guard let shopRow = try c.queryPrepared("SELECT id FROM shop WHERE code = $1", [.text(shopCode)]).single else {
                throw StorageError.notFound(reason: .shopNotFound, message: "no shop with code \(shopCode)")
            }
            let shopID: Int64 = try shopRow.decode(at: 0)
            // Pushes of one shop apply one after another (event ids and order numbers are per shop);
            // pushes of different shops write in parallel and take the identity lock only to resolve.
            try c.queryPrepared("SELECT pg_advisory_xact_lock($1::int, ($2::bigint % 2147483647)::int)", [.int(Int64(Self.shopLockSpace)), .int(shopID)])
            var identityLocked = false
            var identityShared = false
            /// A push with upserts takes the identity lock exclusively before any points work, one
            /// without takes it shared: so no push ever holds it shared and then waits to hold it alone.
            let hasUpserts = events.contains { event in
                if case .valid(let e) = event, case .memberUpsert = e.payload { return true }
                return false
            }
            /// Points and levels hang off members: writing them, no merge may move those members
            /// meanwhile, so they are written under the identity lock, shared among pushes of orders.
            func lockForPoints() throws {
                if hasUpserts { return try lockIdentity() }
                guard !identityLocked, !identityShared else { return }
                try c.lockIdentityShared()
                identityShared = true
            }
            /// Takes the identity lock (held until commit): resolution sees every push committed before.
            func lockIdentity() throws {
                precondition(!identityShared, "a push that holds the identity lock shared never asks for it alone")
                guard !identityLocked else { return }
                try c.queryPrepared("SELECT pg_advisory_xact_lock($1)", [.int(Self.identityLockKey)])
                identityLocked = true
            }
            let ids: [String?] = events.map { event in
                switch event {
                case .valid(let e): return e.id
                case .invalid(let id, _, _, _): return id
                }
            }
            var seen: [String: (hash: [UInt8], outcome: EventOutcome)] = [:]
            for row in try c.queryPrepared("""
                SELECT event_id, content_hash, status, member_id, error->>'kind', error->>'reason', error->>'message', error->>'field'
                FROM sync_event WHERE shop_id = $1 AND event_id = ANY($2::text[])
                """, [.int(shopID), .textArray(ids.compactMap { $0 })]) {
                let status = EventOutcome.Status(rawValue: try row.decode(at: 2))!
                var rejection: EventRejection? = nil
                if let kind: String = try row.decode(at: 4) {
                    rejection = EventRejection(EventRejection.Kind(rawValue: kind) ?? .invalid, reason: ErrorReason(rawValue: try row.decode(at: 5) ?? "rejected"),
                                               message: try row.decode(at: 6) ?? "rejected", field: try row.decode(at: 7))
                }
                let id: String = try row.decode(at: 0)
                seen[id] = (try row.decode(at: 1), EventOutcome(eventID: id, status: status, memberID: try row.decode(at: 3), rejection: rejection))
            }
            let applier = EventApplier(c: c, shopID: shopID, policy: policy, codec: codec, loyalty: loyalty)
            let bulk = BulkIngest(c: c, shopID: shopID, shopCode: shopCode, policy: policy, codec: codec, loyalty: loyalty)
            var outcomes: [EventOutcome] = []
            outcomes.reserveCapacity(events.count)
            var pending: [(outcome: EventOutcome, hash: [UInt8], type: String)] = []

            /// Applies one event inside a savepoint: a rejection leaves nothing behind.
            func applyOne(_ e: SyncEvent, index: Int) throws -> EventOutcome {
                try c.query("SAVEPOINT event")
                do {
                    let memberID = try applier.apply(e, index: index)
                    try c.query("RELEASE SAVEPOINT event")
                    return EventOutcome(eventID: e.id, status: .applied, memberID: memberID)
                } catch let rejection as EventRejection {
                    try c.query("ROLLBACK TO SAVEPOINT event")
                    return EventOutcome(eventID: e.id, status: .rejected, rejection: rejection)
                }
            }

            /// Whether an event with this id and content is new: never seen, or sent again with other
            /// content after being rejected (a rejected event leaves nothing behind, so it may be corrected).
            func isNew(_ id: String, _ hash: [UInt8]) -> Bool {
                guard let first = seen[id] else { return true }
                return first.outcome.status == .rejected && first.hash != hash
            }
            /// A valid, new event: it can join a set-based run.
            func fresh(_ i: Int, _ runIDs: inout Set<String>) -> SyncEvent? {
                guard case .valid(let e) = events[i], isNew(e.id, e.contentHash), runIDs.insert(e.id).inserted else { return nil }
                return e
            }
            /// Notes the first outcome of a fresh event (recorded at the end, in one statement).
            func finish(_ outcome: EventOutcome, hash: [UInt8], type: String) {
                precondition(outcome.eventID != nil && outcome.status != .duplicate, "only fresh events with an id are recorded")
                seen[outcome.eventID!] = (hash, outcome)
                pending.append((outcome, hash, type))
                outcomes.append(outcome)
            }

            var index = 0
            while index < events.count {
                // A segment of paid orders, upserts of new accounts and refunds goes the set-based
                // way: its upserts first, then its orders (an order naming an account that an upsert
                // of the same segment creates finds it), then its refunds (`RefundRun`: each sees what
                // the ones before it left; one naming an order that comes later in the segment is
                // refused, as in order); the end state is that of applying them in order.
                var runIDs = Set<String>()
                var accountsInRun = Set<String>()
                var segment: [SyncEvent] = []
                var j = index
                collect: while j < events.count, let e = fresh(j, &runIDs) {
                    switch e.payload {
                    case .orderPaid: break
                    case .memberUpsert(let profile, _, _, _):
                        guard accountsInRun.insert(BulkIngest.accountKey(e.channel, profile.externalID)).inserted else { break collect }
                    case .orderRefunded: break
                    }
                    segment.append(e)
                    j += 1
                }
                let existing = try bulk.existingAccounts(segment)
                let cut = segment.firstIndex { e in
                    if case .memberUpsert(let profile, _, _, _) = e.payload { return existing.contains(BulkIngest.accountKey(e.channel, profile.externalID)) }
                    return false
                } ?? segment.count
                if cut > 0 {
                    var upserts: [BulkIngest.Indexed<BulkIngest.Upsert>] = []
                    var orders: [BulkIngest.Indexed<PaidOrder>] = []
                    var refunds: [BulkIngest.Indexed<Refund>] = []
                    for (offset, e) in segment.prefix(cut).enumerated() {
                        switch e.payload {
                        case .memberUpsert(let profile, let raw, let attributes, let platformIDs):
                            upserts.append(.init(index: index + offset, event: e, value: (profile, raw, attributes, platformIDs)))
                        case .orderPaid(let order):
                            orders.append(.init(index: index + offset, event: e, value: order))
                        case .orderRefunded(let refund):
                            refunds.append(.init(index: index + offset, event: e, value: refund))
                        }
                    }
                    var byIndex: [Int: EventOutcome] = [:]
                    // Writing needs no identity lock; finding who the new accounts are does.
                    let inserted = try bulk.insertUpserts(upserts)
                    let placed = try bulk.orders(orders)
                    if !upserts.isEmpty {
                        // Screening the new accounts for possible matches needs no lock; holding it, they are
                        // screened again only against the accounts other pushes noted meanwhile.
                        let journal = IdentityJournal(c: c)
                        let mark = try journal.mark()
                        var slow = try bulk.screen(inserted)
                        try lockIdentity()
                        if let changed = try journal.changed(since: mark) {
                            slow.formUnion(try bulk.screen(inserted, among: changed))
                        } else {
                            slow = try bulk.screen(inserted)
                        }
                        try journal.note(inserted.accounts, replaced: false)
                        var signups: [(member: Int64, code: String, event: String)] = []
                        for (i, (item, outcome)) in zip(upserts, try bulk.resolveUpserts(inserted, slow: slow)).enumerated() {
                            byIndex[item.index] = outcome
                            // A new member (not merged into someone already there) who signed up with a code.
                            if let code = item.value.profile.referralCode, outcome.memberID == inserted.members[i] {
                                signups.append((inserted.members[i], code, item.event.id))
                            }
                        }
                        try ReferralBook(c: c, policy: loyalty.points).bindNewMembers(signups, actor: "sync")
                    }
                    // Orders earn for, and answer with, their account's member as it is once the identity lock
                    // is held: after this segment's merges and any another push committed meanwhile.
                    if !placed.paid.isEmpty { try lockForPoints() }
                    let memberOf = upserts.isEmpty && placed.paid.isEmpty ? [:] : try bulk.members(ofAccounts: placed.results.compactMap(\.account))
                    try bulk.earn(placed.paid, memberOf: memberOf)
                    for (item, order) in zip(orders, placed.results) {
                        var outcome = order.outcome
                        if let account = order.account, let member = memberOf[account] { outcome.memberID = member }
                        byIndex[item.index] = outcome
                    }
                    // Where each order this segment created stands in the push.
                    var orderPlace: [String: Int] = [:]
                    for (item, order) in zip(orders, placed.results) where order.outcome.status == .applied {
                        orderPlace[item.event.channel.rawValue + "|" + item.value.orderNo] = item.index
                    }
                    var refundRun: [RefundRun.Item] = []
                    for item in refunds {
                        if let place = orderPlace[item.event.channel.rawValue + "|" + item.value.orderNo], place > item.index {
                            byIndex[item.index] = EventOutcome(eventID: item.event.id, status: .rejected, rejection: EventApplier.orderNotFound(item.value, index: item.index))
                            continue
                        }
                        refundRun.append(item)
                    }
                    if !refundRun.isEmpty {
                        try lockForPoints()
                        if let applied = try RefundRun(c: c, shopID: shopID, policy: loyalty.points).apply(refundRun) {
                            for (item, result) in zip(refundRun, applied) { byIndex[item.index] = result.outcome }
                        } else {
                            // A refunded order qualified a rewarded referral: one by one, as a refund may void it.
                            for item in refundRun { byIndex[item.index] = try applyOne(item.event, index: item.index) }
                        }
                    }
                    for (offset, e) in segment.prefix(cut).enumerated() {
                        finish(byIndex[index + offset]!, hash: e.contentHash, type: e.typeName)
                    }
                    index += cut
                    continue
                }
                // Everything else, one event at a time.
                let event = events[index]
                let (id, hash, type): (String?, [UInt8], String) = {
                    switch event {
                    case .valid(let e): return (e.id, e.contentHash, e.typeName)
                    case .invalid(let id, let hash, let type, _): return (id, hash, type)
                    }
                }()
                defer { index += 1 }
                guard let id else {
                    if case .invalid(_, _, _, let rejection) = event {
                        outcomes.append(EventOutcome(eventID: nil, status: .rejected, rejection: rejection))
                    }
                    continue
                }
                if let first = seen[id], !isNew(id, hash) {
                    if first.hash == hash {
                        var duplicate = first.outcome
                        duplicate.firstStatus = first.outcome.status
                        duplicate.status = .duplicate
                        outcomes.append(duplicate)
                    } else {
                        outcomes.append(EventOutcome(eventID: id, status: .rejected, rejection: EventRejection(
                            .conflict, reason: .eventIdReused, message: "event \(id) was already received with different content",
                            field: "events[\(index)].id")))
                    }
                    continue
                }
                switch event {
                case .invalid(_, _, _, let rejection):
                    finish(EventOutcome(eventID: id, status: .rejected, rejection: rejection), hash: hash, type: type)
                case .valid(let e):
                    switch e.payload {
                    case .memberUpsert: try lockIdentity()
                    case .orderRefunded: try lockForPoints()
                    case .orderPaid: break
                    }
                    finish(try applyOne(e, index: index), hash: hash, type: type)
                }
            }
            try Self.record(c, shopID: shopID, pending)
            return outcomes
        }
    }

    /// Records the first outcome of each event, in one statement; a rejected event sent again with
    /// other content replaces its record (the last outcome in the push, when it came more than once).
    static func record(_ c: PostgresConnection, shopID: Int64, _ all: [(outcome: EventOutcome, hash: [UInt8], type: String)]) throws {
        guard !all.isEmpty else { return }
        var last: [String: Int] = [:]
        for (i, row) in all.enumerated() { last[row.outcome.eventID!] = i }
        let rows = all.indices.filter { last[all[$0].outcome.eventID!] == $0 }.map { all[$0] }
        try c.queryPrepared("""
            INSERT INTO sync_event (shop_id, event_id, content_hash, type, status, member_id, error)
            SELECT $1, id, decode(h, 'hex'), ty, st, m,
                   CASE WHEN k IS NULL THEN NULL ELSE jsonb_build_object('kind', k, 'reason', r, 'message', msg, 'field', f) END
            FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[])
                 AS t(id, h, ty, st, m, k, r, msg, f)
            ON CONFLICT (shop_id, event_id) DO UPDATE
                SET content_hash = EXCLUDED.content_hash, type = EXCLUDED.type, status = EXCLUDED.status,
                    member_id = EXCLUDED.member_id, error = EXCLUDED.error, received_at = now()
                WHERE sync_event.status = 'rejected'
            """, [.int(shopID), .textArray(rows.map(\.outcome.eventID)), .textArray(rows.map { Self.hex($0.hash) }), .textArray(rows.map(\.type)),
                  .textArray(rows.map { $0.outcome.status.rawValue }), .intArray(rows.map(\.outcome.memberID)),
                  .textArray(rows.map { $0.outcome.rejection?.kind.rawValue }), .textArray(rows.map { $0.outcome.rejection?.reason.rawValue }),
                  .textArray(rows.map { $0.outcome.rejection?.message }), .textArray(rows.map { $0.outcome.rejection?.field })])
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Applies, one at a time, the events the set-based path does not take: upserts of accounts that
/// exist already (updates), and the refunds of a segment that refunds an order which qualified a
/// rewarded referral (`RefundRun` leaves those to this path). Runs inside the batch's transaction
/// and the event's savepoint.
struct EventApplier {
    let c: PostgresConnection
    let shopID: Int64
    let policy: IdentityPolicy
    let codec: PersonalDataCodec
    let loyalty: LoyaltyPolicy

    var merger: MemberMerger { MemberMerger(c: c, policy: policy, codec: codec, loyalty: loyalty) }

    func apply(_ event: SyncEvent, index: Int) throws -> Int64 {
        switch event.payload {
        case .memberUpsert(let profile, let raw, let attributes, let platformIDs):
            return try upsert(event, profile, raw: raw, attributes: attributes, platformIDs: platformIDs)
        case .orderPaid:
            preconditionFailure("paid orders always take the set-based path")
        case .orderRefunded(let refund):
            return try refunded(event, refund, index: index)
        }
    }

    /// Updates an existing account (new accounts always take the set-based path) and re-resolves it.
    private func upsert(_ event: SyncEvent, _ p: MemberProfile, raw: String, attributes: String, platformIDs: String) throws -> Int64 {
        guard let existing = try c.queryPrepared("""
            SELECT id, member_id, source_updated_at IS NOT NULL AND source_updated_at > $4::timestamptz
            FROM account WHERE shop_id = $1 AND channel = $2 AND external_id = $3 FOR UPDATE
            """, [.int(shopID), .text(event.channel.rawValue), .text(p.externalID), .text(event.occurredAt)]).single else {
            preconditionFailure("upserts of new accounts always take the set-based path")
        }
        let values: [PostgresValue] = [
            .optional(p.nameKey), .optional(p.nickname), .optional(p.gender), .optional(p.region),
            .optional(codec.seal(p.phoneKey)), .optional(codec.seal(p.emailKey)), .optional(codec.seal(p.birthday)),
            .optional(codec.seal(p.address.map(TextKey.normalize))), .text(platformIDs), .text(attributes), .text(raw),
            .optional(p.registeredAt), .optional(p.referralCode), .text(event.occurredAt),
        ]
        let accountID: Int64 = try existing.decode(at: 0)
        if try existing.decode(Bool.self, at: 2) {
            // Older than what the account already holds: recorded, changes nothing.
            return try merger.liveMember(try existing.decode(at: 1))
        }
        try c.queryPrepared("""
            UPDATE account SET name = $2, nickname = $3, gender = $4, region = $5, phone_sealed = $6, email_sealed = $7,
                birthday_sealed = $8, address_sealed = $9, platform_ids = $10::jsonb, attributes = $11::jsonb, raw = $12::jsonb,
                registered_at = COALESCE($13::timestamptz, registered_at), referral_code = COALESCE($14, referral_code),
                source_updated_at = $15::timestamptz, updated_at = now()
            WHERE id = $1
            """, [.int(accountID)] + values)
        try AttributeTagger(c: c).apply(accounts: [accountID], actor: "sync")
        let keys = IdentityKey.keys(of: p, priority: policy.keyPriority)
        try c.queryPrepared("DELETE FROM identity_key WHERE account_id = $1", [.int(accountID)])
        if !keys.isEmpty {
            try c.queryPrepared("INSERT INTO identity_key (account_id, kind, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v) ON CONFLICT DO NOTHING",
                        [.int(accountID), .textArray(keys.map(\.kind)), .textArray(keys.map { codec.index(kind: $0.kind, $0.value) })])
        }
        let fields = PersonFields(name: p.nameKey, birthday: p.birthday, address: p.address, region: p.region, phone: p.phoneKey)
        try c.queryPrepared("DELETE FROM blocking_key WHERE account_id = $1", [.int(accountID)])
        if !fields.blockingKeys.isEmpty {
            try c.queryPrepared("INSERT INTO blocking_key (account_id, key) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
                        [.int(accountID), .textArray(fields.blockingKeys)])
        }
        try IdentityJournal(c: c).note([accountID], replaced: true)
        let resolver = IdentityResolver(c: c, policy: policy, codec: codec, merger: merger)
        let memberID = try resolver.resolve(accountID: accountID, keys: keys, fields: fields)
        try merger.recomputeGolden(memberID)
        return memberID
    }

    static func orderNotFound(_ refund: Refund, index: Int) -> EventRejection {
        EventRejection(.notFound, reason: .orderNotFound, message: "no order \(refund.orderNo) in this shop and channel",
                       field: "events[\(index)].refund.order_no")
    }

    static func refundExceedsOrder(_ refund: Refund, left: Int64, index: Int) -> EventRejection {
        EventRejection(.refused, reason: .refundExceedsOrder,
                       message: "refund of \(Money.format(fen: refund.amountFen)) is more than the \(Money.format(fen: left)) left of order \(refund.orderNo)",
                       field: "events[\(index)].refund.amount")
    }

    static func refundExists(_ refund: Refund, index: Int) -> EventRejection {
        EventRejection(.conflict, reason: .refundExists, message: "refund \(refund.refundNo) was already received in another event",
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
        try ReferralBook(c: c, policy: loyalty.points).refunded(orderID: order, refundedAt: refund.refundedAt, actor: "sync")
        return member
    }
}
