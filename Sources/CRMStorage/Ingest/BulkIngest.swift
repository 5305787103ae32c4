import CRMDomain
import CRMPostgres
import CRMText

/// The set-based path of ingest: a run of consecutive `order.paid` events, or of `member.upsert`
/// events for accounts not seen before, is applied with a handful of statements over arrays
/// (`unnest`) instead of several round trips per event. Only the accounts that share a key or a
/// likely fuzzy match with someone go through `IdentityResolver` one by one; their results are the
/// same as on the per-event path (the tests run both).
struct BulkIngest {
    let c: PostgresConnection
    let shopID: Int64
    let shopCode: String
    let policy: IdentityPolicy
    let codec: PersonalDataCodec
    let loyalty: LoyaltyPolicy
    /// The push's coupon side (tier rules, template locks); nil: orders issue no coupons.
    var push: PushCoupons? = nil
    /// Candidates opened before, by this push's screen or earlier pushes, for the screen and the resolver to reuse.
    var opened: OpenedProfiles { codec.keys.opened }

    struct Indexed<T> {
        let index: Int
        let event: SyncEvent
        let value: T
    }

    // MARK: orders

    /// Paid orders just written: each event's outcome, in order, with the account of each applied one,
    /// and what their points need.
    struct PlacedOrders {
        var results: [(outcome: EventOutcome, account: Int64?)] = []
        var paid: [PointsLedger.PaidOrderRow] = []
    }

    /// Writes paid orders (their points come after, from `earn`, under the identity lock).
    func orders(_ run: [Indexed<PaidOrder>]) throws -> PlacedOrders {
        guard !run.isEmpty else { return PlacedOrders() }
        var placed = PlacedOrders()
        var outcomes = [EventOutcome?](repeating: nil, count: run.count)
        // Order numbers taken before this run (order_key holds them across every month), or earlier in it.
        let taken = Set(
            try c.queryPrepared(
                """
                SELECT k.channel || ' ' || k.order_no FROM order_key k
                JOIN unnest($2::text[], $3::text[]) AS t(ch, no) ON k.shop_id = $1 AND k.channel = t.ch AND k.order_no = t.no
                """, [.int(shopID), .textArray(run.map { $0.event.channel.rawValue }), .textArray(run.map { $0.value.orderNo })]
            )
            .map { try $0.decode(String.self, at: 0) })
        var inRun = Set<String>()
        var accepted: [Int] = []
        for (i, item) in run.enumerated() {
            let key = item.event.channel.rawValue + " " + item.value.orderNo
            if taken.contains(key) || !inRun.insert(key).inserted {
                outcomes[i] = EventOutcome(
                    eventID: item.event.id, status: .rejected,
                    rejection: EventRejection(
                        .conflict, reason: .orderExists, message: "order \(item.value.orderNo) of this shop and channel was already received in another event",
                        field: "events[\(item.index)].order.order_no"))
            } else {
                accepted.append(i)
            }
        }
        let accounts = try ensureAccounts(accepted.map { (run[$0].event.channel, run[$0].value.memberExternalID, run[$0].event.id) })
        if !accepted.isEmpty {
            // The order and its number's key in one statement: the id (its month) is taken first.
            let ids = try c.queryPrepared(
                """
                WITH t AS MATERIALIZED (
                    SELECT crm_month_id(nextval('shop_order_id_seq')) AS id, *
                    FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
                         WITH ORDINALITY AS u(ch, no, acc, amt, paid, pm, items, ev, fold, n)),
                k AS (INSERT INTO order_key (shop_id, channel, order_no, order_id, account_id, paid_at, amount_fen)
                      SELECT $1, ch, no, id, acc, paid::timestamptz, amt FROM t)
                INSERT INTO shop_order (id, shop_id, channel, order_no, account_id, amount_fen, paid_at, payment_method, items, event_id, items_fold)
                SELECT id, $1, ch, no, acc, amt, paid::timestamptz, pm, items::jsonb, ev, fold::jsonb FROM t
                ORDER BY n
                RETURNING channel || ' ' || order_no, id
                """,
                [
                    .int(shopID), .textArray(accepted.map { run[$0].event.channel.rawValue }), .textArray(accepted.map { run[$0].value.orderNo }),
                    .intArray(accepted.map { accounts[Self.accountKey(run[$0].event.channel, run[$0].value.memberExternalID)]!.account }),
                    .intArray(accepted.map { run[$0].value.amountFen }), .textArray(accepted.map { run[$0].value.paidAt }),
                    .textArray(accepted.map { run[$0].value.paymentMethod }), .textArray(accepted.map { run[$0].value.itemsJSON }),
                    .textArray(accepted.map { run[$0].event.id }),
                    // Item names and categories as tag rules and segments compare them (ScriptFolder: JSON keeps its shape).
                    .textArray(accepted.map { ScriptFolder.shared.foldedIfChanged(run[$0].value.itemsJSON) }),
                ])
            var orderID: [String: Int64] = [:]
            for row in ids { orderID[try row.decode(String.self, at: 0)] = try row.decode(at: 1) }
            placed.paid = accepted.map { i -> PointsLedger.PaidOrderRow in
                let item = run[i]
                let found = accounts[Self.accountKey(item.event.channel, item.value.memberExternalID)]!
                return PointsLedger.PaidOrderRow(
                    orderID: orderID[item.event.channel.rawValue + " " + item.value.orderNo]!, account: found.account, member: found.member,
                    shop: shopCode, channel: item.event.channel, amountFen: item.value.amountFen, paymentMethod: item.value.paymentMethod,
                    paidAt: item.value.paidAt, itemsJSON: item.value.itemsJSON)
            }
        }
        var accountOf = [Int64?](repeating: nil, count: run.count)
        for i in accepted {
            let found = accounts[Self.accountKey(run[i].event.channel, run[i].value.memberExternalID)]!
            outcomes[i] = EventOutcome(eventID: run[i].event.id, status: .applied, memberID: found.member)
            accountOf[i] = found.account
        }
        placed.results = zip(outcomes, accountOf).map { ($0!, $1) }
        return placed
    }

    /// Points for paid orders, at the level each member held before them, then the levels they reach
    /// and what referrals they settle. The caller holds the identity lock (shared at least), so no
    /// merge moves these members' points meanwhile, and `memberOf` maps every account to its member
    /// as read under that lock.
    func earn(_ paid: [PointsLedger.PaidOrderRow], memberOf: [Int64: Int64]) throws {
        guard !paid.isEmpty else { return }
        let rows = paid.map { row in
            guard let member = memberOf[row.account] else { preconditionFailure("every paid order's account has a member") }
            var r = row
            r.member = member
            return r
        }
        let ledger = PointsLedger(c: c, policy: loyalty.points)
        try ledger.earn(rows, ladder: loyalty.ladder, actor: "sync")
        try OrderTagger(c: c, codec: codec).apply(orderIDs: rows.map(\.orderID), actor: "sync")
        try PurchaseRows(c: c).add(rows.map(\.orderID))
        if let push { try TierIssuer(c: c, offsetMinutes: loyalty.points.offsetMinutes).issue(rows, push: push) }
        let members = Array(Set(rows.map(\.member))).sorted()
        // A rise may issue a level gift: its template is taken in the push's name order with the others.
        if let push, !push.levelGifts.isEmpty { try push.lockTemplates() }
        try LevelKeeper(c: c, ladder: loyalty.ladder, offsetMinutes: loyalty.points.offsetMinutes).raiseAfterOrders(
            members, now: try ledger.now(), actor: "sync")
        // Referred members' orders: the first pays both sides, later ones the referrer's share.
        try ReferralBook(c: c, policy: loyalty.points, push: push).settle(members, actor: "sync")
    }

    static func accountKey(_ channel: Channel, _ external: String) -> String { channel.rawValue + " " + external }

    /// The account (and its member) of each (channel, external id), creating the missing ones
    /// with a member each, in bulk.
    private func ensureAccounts(_ wanted: [(Channel, String, String)]) throws -> [String: (account: Int64, member: Int64)] {
        var found: [String: (account: Int64, member: Int64)] = [:]
        guard !wanted.isEmpty else { return found }
        for row in try c.queryPrepared(
            """
            SELECT a.channel, a.external_id, a.id, a.member_id FROM account a
            JOIN unnest($2::text[], $3::text[]) AS t(ch, ext) ON a.shop_id = $1 AND a.channel = t.ch AND a.external_id = t.ext
            """, [.int(shopID), .textArray(wanted.map { $0.0.rawValue }), .textArray(wanted.map { $0.1 })])
        {
            found[try row.decode(String.self, at: 0) + " " + (try row.decode(String.self, at: 1))] = (try row.decode(at: 2), try row.decode(at: 3))
        }
        var missing: [(Channel, String, String)] = []
        var seen = Set<String>()
        for w in wanted where found[Self.accountKey(w.0, w.1)] == nil && seen.insert(Self.accountKey(w.0, w.1)).inserted { missing.append(w) }
        guard !missing.isEmpty else { return found }
        let (members, ciphers) = try newMembers(missing.count)
        for row in try c.queryPrepared(
            """
            INSERT INTO account (shop_id, channel, external_id, member_id, key_id)
            SELECT $1, ch, ext, m, k FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS t(ch, ext, m, k)
            RETURNING channel, external_id, id, member_id
            """,
            [
                .int(shopID), .textArray(missing.map { $0.0.rawValue }), .textArray(missing.map { $0.1 }), .intArray(members),
                .intArray(ciphers.map(\.keyID)),
            ])
        {
            found[try row.decode(String.self, at: 0) + " " + (try row.decode(String.self, at: 1))] = (try row.decode(at: 2), try row.decode(at: 3))
        }
        try accountsAddedHistory(members: members, channels: missing.map { $0.0.rawValue }, externals: missing.map { $0.1 }, events: missing.map { $0.2 })
        return found
    }

    /// Makes `count` members with nothing known of them yet, each with its own data key (its accounts'
    /// fields are sealed under it).
    private func newMembers(_ count: Int) throws -> (members: [Int64], ciphers: [FieldCipher]) {
        let (members, ciphers) = try codec.newMemberKeys(c, count: count)
        try GoldenRecordWriter(c: c, codec: codec).insert(members: members, golden: members.map { _ in [:] }, ciphers: ciphers)
        return (members, ciphers)
    }

    private func accountsAddedHistory(members: [Int64], channels: [String], externals: [String], events: [String]) throws {
        try c.queryPrepared(
            """
            INSERT INTO member_history (member_id, action, actor, detail)
            SELECT m, 'account_added', 'sync', jsonb_build_object('shop_id', $1::bigint, 'channel', ch, 'external_id', ext, 'event', ev)
            FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(m, ch, ext, ev, n) ORDER BY n
            """, [.int(shopID), .intArray(members), .textArray(channels), .textArray(externals), .textArray(events)])
    }

    // MARK: member upserts

    typealias Upsert = (profile: MemberProfile, raw: String, attributes: String, platformIDs: String)

    /// The accounts (as `accountKey`) that the upserts among `events` name and that exist already.
    func existingAccounts(_ events: [SyncEvent]) throws -> Set<String> {
        var channels: [String?] = [], externals: [String?] = []
        for e in events {
            if case .memberUpsert(let profile, _, _, _) = e.payload {
                channels.append(e.channel.rawValue)
                externals.append(profile.externalID)
            }
        }
        guard !channels.isEmpty else { return [] }
        return Set(
            try c.queryPrepared(
                """
                SELECT a.channel || ' ' || a.external_id FROM account a
                JOIN unnest($2::text[], $3::text[]) AS t(ch, ext) ON a.shop_id = $1 AND a.channel = t.ch AND a.external_id = t.ext
                """, [.int(shopID), .textArray(channels), .textArray(externals)]
            ).map { try $0.decode(String.self, at: 0) })
    }

    /// New accounts written by `insertUpserts`, waiting for identity resolution.
    struct InsertedUpserts {
        let run: [Indexed<Upsert>]
        let accounts: [Int64]
        /// The member made for each account (it is still that member unless resolution merged it away).
        let members: [Int64]
        let keys: [[IdentityKey]]
        let fields: [PersonFields]
        /// The identity-key and blocking-key rows written, as column arrays.
        let rows: KeyRows
    }

    /// Identity-key and blocking-key rows of new accounts, as the column arrays statements take.
    struct KeyRows {
        var keyAccounts: [Int64] = [], kinds: [String?] = [], values: [String?] = []
        var blockAccounts: [Int64] = [], blockKeys: [String?] = []
    }

    /// Writes upserts of accounts not seen before (each account once in the run): each gets a new
    /// member whose golden record is its own fields, and its keys. Needs no identity lock: nothing
    /// here reads what other pushes write; `resolveUpserts` then finds who they are.
    func insertUpserts(_ run: [Indexed<Upsert>]) throws -> InsertedUpserts {
        guard !run.isEmpty else { return InsertedUpserts(run: [], accounts: [], members: [], keys: [], fields: [], rows: KeyRows()) }
        // Each new member's row is written once, with its data key and the golden record of its only
        // account, before the accounts that reference it.
        let (members, ciphers) = try codec.newMemberKeys(c, count: run.count)
        let p = run.map(\.value.profile)
        let values = p.map(Self.accountFields)
        let sealed = SealedProfile.sealed(values, ciphers: ciphers)
        let fields = p.map {
            PersonFields(name: $0.nameKey, birthday: $0.birthday, address: $0.address, region: $0.region, phone: $0.phoneKey, forms: ChineseForms.shared)
        }
        try GoldenRecordWriter(c: c, codec: codec).insert(
            members: members, golden: p.map(Self.goldenOfOne), ciphers: ciphers, accounts: .init(values: values, sealed: sealed))
        let created = try c.queryPrepared(
            """
            INSERT INTO account (shop_id, channel, external_id, member_id, key_id, gender, region, name_sealed, nickname_sealed, phone_sealed,
                email_sealed, birthday_sealed, address_sealed, platform_ids_sealed, attributes_sealed, raw_sealed, attribute_hashes,
                registered_at, referral_code, source_updated_at, match_sealed)
            SELECT $1, ch, ext, m, k, g, rg, nm, nick, ph, em, bd, ad, pl, at, raw, ah::bigint[], reg::timestamptz, rc, occ::timestamptz, mf
            FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                        $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[],
                        $20::text[], $21::text[])
                 WITH ORDINALITY AS t(ch, ext, m, k, g, rg, nm, nick, ph, em, bd, ad, pl, at, raw, ah, reg, rc, occ, mf, n)
            ORDER BY n
            RETURNING id, member_id, match_stamp
            """,
            [
                .int(shopID), .textArray(run.map { $0.event.channel.rawValue }), .textArray(p.map(\.externalID)), .intArray(members),
                .intArray(ciphers.map(\.keyID)), .textArray(p.map(\.gender)), .textArray(p.map(\.region)),
            ] + sealed.map { .textArray($0) }
                + [
                    .textArray(zip(run, ciphers).map { $1.seal($0.value.platformIDs) }),
                    .textArray(zip(run, ciphers).map { $1.seal($0.value.attributes) }),
                    .textArray(zip(run, ciphers).map { $1.seal($0.value.raw) }),
                    .textArray(run.map { codec.attributeHashesText($0.value.attributes) }),
                    .textArray(p.map(\.registeredAt)), .textArray(p.map(\.referralCode)), .textArray(run.map(\.event.occurredAt)),
                    .textArray(zip(fields, ciphers).map { $1.seal($0.storedForm) }),
                ])
        var accountOfMember: [Int64: Int64] = [:], stamps: [Int64: Int64] = [:]
        for row in created {
            accountOfMember[try row.decode(at: 1)] = try row.decode(at: 0)
            stamps[try row.decode(at: 0)] = try row.decode(at: 2)
        }
        let accounts = members.map { accountOfMember[$0]! }
        try AttributeTagger(c: c).apply(accounts: accounts, attributes: run.map(\.value.attributes), actor: "sync")
        try accountsAddedHistory(members: members, channels: run.map { $0.event.channel.rawValue }, externals: p.map(\.externalID), events: run.map(\.event.id))

        let keys = p.map { IdentityKey.keys(of: $0, priority: policy.keyPriority) }
        let rows = keyRows(accounts, keys, fields)
        if !rows.keyAccounts.isEmpty {
            try c.queryPrepared(
                "INSERT INTO identity_key (account_id, kind, value) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])",
                [.intArray(rows.keyAccounts), .textArray(rows.kinds), .textArray(rows.values)])
        }
        try BlockingKeyRows.insert(c, accounts: rows.blockAccounts, keys: rows.blockKeys, stamps: rows.blockAccounts.map { stamps[$0]! })
        return InsertedUpserts(run: run, accounts: accounts, members: members, keys: keys, fields: fields, rows: rows)
    }

    /// The personal fields an upsert writes on its account, as they are sealed (`SealedProfile.fields`).
    static func accountFields(_ p: MemberProfile) -> [String?] {
        [p.nameKey, p.nickname, p.phoneKey, p.emailKey, p.birthday, p.address.map(TextKey.normalize)]
    }

    /// The golden record of a member whose only account an upsert writes: its non-empty fields.
    static func goldenOfOne(_ p: MemberProfile) -> [String: String] {
        var golden: [String: String] = [:]
        let values = accountFields(p) + [p.gender, p.region]
        for (i, name) in (SealedProfile.fields + ["gender", "region"]).enumerated() {
            if let v = values[i]?.trimmingWhitespace(), !v.isEmpty { golden[name] = v }
        }
        return golden
    }

    /// The accounts among those `insertUpserts` wrote that may be someone already known: they share
    /// an identity key with another account, or have a fuzzy candidate that could reach the review
    /// threshold. Compared with every account committed (and this push's own), or, with `among`, only
    /// with those accounts. Needs no lock: it reads, and a push re-screens under the identity lock
    /// against what committed meanwhile (`IdentityJournal`).
    func screen(_ inserted: InsertedUpserts, model: MatchModel, among: [Int64]? = nil) throws -> Set<Int64> {
        let (accounts, rows) = (inserted.accounts, inserted.rows)
        guard !accounts.isEmpty else { return [] }
        if let among, among.isEmpty { return [] }
        // The keys and blocking keys are the ones just written, so they come from memory; against all
        // accounts each look-up is a scalar subquery (one index probe a key), a plan that holds however
        // stale the statistics are; against `among`, those accounts' own keys are read (by account) and joined.
        var slow = Set<Int64>()
        if !rows.keyAccounts.isEmpty {
            let sharing =
                among == nil
                ? """
                SELECT DISTINCT t.acc FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(acc, kind, value)
                WHERE (SELECT 1 FROM identity_key o WHERE o.kind = t.kind AND o.value = t.value AND o.account_id <> t.acc LIMIT 1) IS NOT NULL
                """
                : """
                WITH theirs AS MATERIALIZED (SELECT account_id, kind, value FROM identity_key WHERE account_id = ANY($4::bigint[]))
                SELECT DISTINCT t.acc FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(acc, kind, value)
                JOIN theirs o ON o.kind = t.kind AND o.value = t.value AND o.account_id <> t.acc
                """
            var params: [PostgresValue] = [.intArray(rows.keyAccounts), .textArray(rows.kinds), .textArray(rows.values)]
            if let among { params.append(.intArray(among)) }
            slow = Set(try c.queryPrepared(sharing, params).map { try $0.decode(Int64.self, at: 0) })
        }
        // So do those with a candidate that scores at least the review threshold, of those not known
        // to already. Against all accounts, each distinct key's block is read once (at most one row past
        // the limit), and a block with more accounts than the resolver compares is left out (as the
        // resolver does); against `among`, every block counts (at worst an account goes through the
        // resolver for nothing). Candidates come as ids and stamps from the keys (migration 26); only
        // those not opened before as they are now are read from their rows (`mayMatch`).
        let unsure = rows.blockAccounts.indices.filter { !slow.contains(rows.blockAccounts[$0]) }
        guard !unsure.isEmpty else { return slow }
        let blockAccounts = unsure.map { rows.blockAccounts[$0] }, blockKeys = unsure.map { rows.blockKeys[$0] }
        let candidates =
            among == nil
            ? try c.queryPrepared(
                """
                WITH mine AS MATERIALIZED (SELECT * FROM unnest($1::bigint[], $2::text[]) AS t(account_id, key)),
                     blocks AS MATERIALIZED (
                         SELECT k.key, b.ids, b.stamps FROM (SELECT DISTINCT key FROM mine) k
                         CROSS JOIN LATERAL (SELECT array_agg(x.account_id) AS ids, array_agg(x.stamp) AS stamps FROM
                             (SELECT account_id, stamp FROM blocking_key x WHERE x.key = k.key LIMIT $3 + 1) x) b),
                     pairs AS MATERIALIZED (
                         SELECT DISTINCT m.account_id, o.candidate, o.stamp FROM mine m JOIN blocks b ON b.key = m.key AND cardinality(b.ids) <= $3
                         CROSS JOIN LATERAL unnest(b.ids, b.stamps) AS o(candidate, stamp) WHERE o.candidate <> m.account_id)
                SELECT array_to_string(array_agg(account_id), ','), candidate, stamp FROM pairs GROUP BY candidate, stamp
                """, [.intArray(blockAccounts), .textArray(blockKeys), .int(Int64(policy.maxCandidatesPerBlock))]
            ).map { $0 }
            : try c.queryPrepared(
                """
                WITH theirs AS MATERIALIZED (SELECT account_id, key, stamp FROM blocking_key WHERE account_id = ANY($3::bigint[])),
                     pairs AS MATERIALIZED (
                         SELECT DISTINCT m.account_id, o.account_id AS candidate, o.stamp FROM unnest($1::bigint[], $2::text[]) AS m(account_id, key)
                         JOIN theirs o ON o.key = m.key AND o.account_id <> m.account_id)
                SELECT array_to_string(array_agg(account_id), ','), candidate, stamp FROM pairs GROUP BY candidate, stamp
                """, [.intArray(blockAccounts), .textArray(blockKeys), .intArray(among!)]
            ).map { $0 }
        return try mayMatch(candidates, inserted: inserted, model: model, slow: slow)
    }

    /// `slow` and the new accounts with a candidate among `rows` that could reach the review threshold.
    /// A row is one candidate account, read once however many new accounts share a block with it (they
    /// come first, as a comma-separated list), then its id and its stamp as its blocking keys carry it.
    /// Candidates opened before at that stamp are taken from `opened`; the others are read at once.
    private func mayMatch(_ rows: [PostgresRow], inserted: InsertedUpserts, model: MatchModel, slow: Set<Int64>) throws -> Set<Int64> {
        var slow = slow
        let position = Dictionary(uniqueKeysWithValues: inserted.accounts.enumerated().map { ($1, $0) })
        func compare(_ accounts: [Int64], with other: PersonFields) {
            for account in accounts
            where !slow.contains(account) && IdentityResolver.mayReachReview(inserted.fields[position[account]!], other, model: model, policy: policy) {
                slow.insert(account)
            }
        }
        var unopened: [Int64: [Int64]] = [:]
        for row in rows {
            let accounts = try row.decode(String.self, at: 0).split(separator: ",").map { Int64($0)! }.filter { !slow.contains($0) }
            if accounts.isEmpty { continue }
            let candidate: Int64 = try row.decode(at: 1)
            if let stamp: Int64 = try row.decode(at: 2), let other = opened.fields(account: candidate, stamp: stamp) {
                compare(accounts, with: other)
            } else {
                unopened[candidate, default: []] += accounts
            }
        }
        guard !unopened.isEmpty else { return slow }
        let stampAt = 1 + SealedProfile.matchColumnCount + 3
        for row in try c.queryPrepared(
            """
            SELECT a.id, \(SealedProfile.matchColumns("a", formFirst: true)), \(PersonalDataCodec.keyColumns("k")), a.match_stamp
            FROM account a LEFT JOIN data_key k ON k.id = a.key_id WHERE a.id = ANY($1::bigint[])
            """, [.intArray(Array(unopened.keys))])
        {
            let candidate: Int64 = try row.decode(at: 0)
            let other = try opened.fields(account: candidate, stamp: try row.decode(at: stampAt), row, at: 1, codec: codec)
            compare(unopened[candidate] ?? [], with: other)
        }
        return slow
    }

    /// Resolves the identity of accounts `insertUpserts` wrote, of which `slow` (by `screen`) may match
    /// someone; the caller holds the identity lock, so what every push before this one committed is
    /// seen. `model`: the match model `slow` was screened with. Returns each upsert's outcome, in order.
    func resolveUpserts(_ inserted: InsertedUpserts, slow: Set<Int64>, model: MatchModel) throws -> [EventOutcome] {
        let (run, accounts, keys, fields) = (inserted.run, inserted.accounts, inserted.keys, inserted.fields)
        guard !run.isEmpty else { return [] }
        var merger = MemberMerger(c: c, policy: policy, codec: codec, loyalty: loyalty)
        merger.pendingGolden = PendingGolden()
        merger.pushMerges = PushMerges()
        let newMembers = Set(inserted.members)
        var resolver = IdentityResolver(c: c, policy: policy, model: model, codec: codec, merger: merger, newMembers: newMembers)
        let batch = KeyMergeBatch(c: c, policy: policy, codec: codec, merger: merger, newMembers: newMembers)
        // In push order: accounts whose keys lead to one known member merge in batches; the others go
        // through the resolver, each after the batch before it, and when it merged anything, where the
        // rest lead is read again. Each survivor's golden record is derived once, when the run ends
        // (`PendingGolden`); an account that merged with no one keeps the one `insertUpserts` gave its
        // new member. The resolver's candidates are read at once (`PushCandidates`).
        let order = accounts.indices.filter { slow.contains(accounts[$0]) }
        var leads = try batch.leads(order.map { (accounts[$0], keys[$0]) })
        let resolved = order.filter { leads[accounts[$0]] == nil }
        if !resolved.isEmpty {
            resolver.prefetched = try PushCandidates.read(
                c, policy: policy, codec: codec, merges: merger.pushMerges!, accounts: resolved.map { accounts[$0] },
                members: resolved.map { inserted.members[$0] },
                keys: resolved.map { PushCandidates.Keys(fields[$0], codec: codec) })
        }
        var pending: [KeyMergeBatch.Lead] = []
        for (k, i) in order.enumerated() {
            if let lead = leads[accounts[i]] {
                pending.append(lead)
                continue
            }
            try batch.merge(pending)
            pending = []
            let resolved = try resolver.resolveCounting(accountID: accounts[i], keys: keys[i], fields: fields[i])
            if resolved.merges > 0, k + 1 < order.count {
                leads = try batch.leads(order[(k + 1)...].map { (accounts[$0], keys[$0]) })
            }
        }
        try batch.merge(pending)
        try merger.flushGolden()
        let memberOf = try members(ofAccounts: accounts)
        return run.enumerated().map { i, item in EventOutcome(eventID: item.event.id, status: .applied, memberID: memberOf[accounts[i]]!) }
    }

    /// The identity-key and blocking-key rows of new accounts.
    private func keyRows(_ accounts: [Int64], _ keys: [[IdentityKey]], _ fields: [PersonFields]) -> KeyRows {
        var rows = KeyRows()
        for (i, account) in accounts.enumerated() {
            for k in Set(keys[i]) {
                rows.keyAccounts.append(account)
                rows.kinds.append(k.kind)
                rows.values.append(codec.index(kind: k.kind, k.value))
            }
            for b in Set(codec.blockingIndexes(fields[i])) {
                rows.blockAccounts.append(account)
                rows.blockKeys.append(b)
            }
        }
        return rows
    }

    /// The member each account belongs to now (merges move accounts to the survivor).
    func members(ofAccounts accounts: [Int64]) throws -> [Int64: Int64] {
        var memberOf: [Int64: Int64] = [:]
        guard !accounts.isEmpty else { return memberOf }
        for row in try c.queryPrepared("SELECT id, member_id FROM account WHERE id = ANY($1::bigint[])", [.intArray(accounts)]) {
            memberOf[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        return memberOf
    }
}
