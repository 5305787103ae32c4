import CRMDomain
import CRMJSON
import CRMPostgres

/// A member as `member.get` shows it.
public struct MemberRecord: Sendable, Equatable {
    public struct Account: Sendable, Equatable {
        public var shop: String
        public var channel: String
        public var externalID: String
    }

    public var id: Int64
    /// The id asked for, when it was merged into this member.
    public var mergedFrom: Int64?
    public var name: String?
    public var nickname: String?
    public var phone: String?
    public var email: String?
    public var birthday: String?
    public var gender: String?
    public var region: String?
    public var address: String?
    public var accounts: [Account]
    public var createdAt: String
    /// The level held (nil: the ladder's first).
    public var levelCode: String? = nil
    public var pointsBalance: Int64 = 0
    public var pointsPending: Int64 = 0
    /// The member's referral code (shown by `member.get`, made on first use) and referrer.
    public var referralCode: String? = nil
    public var referredBy: Int64? = nil
    /// Names of the tags the member carries, sorted.
    public var tags: [String] = []
    /// When the member registered: the earliest `registered_at` its shops sent (nil when none did).
    public var registeredAt: String? = nil
}

/// One line of a member's history.
public struct HistoryEntry: Sendable, Equatable {
    public var id: Int64
    public var at: String
    public var action: String
    public var actor: String
    public var detail: JSONValue
}

/// A fuzzy match waiting for (or decided by) an operator, or a guard that fired.
public struct ReviewRecord: Sendable, Equatable {
    public var id: Int64
    public var type: String
    public var status: String
    public var memberA: Int64?
    public var memberB: Int64?
    public var score: Double?
    /// The match evidence, or the guard's description.
    public var detail: JSONValue
    public var createdAt: String
}

/// How a member is asked for.
public enum MemberLookup: Sendable {
    case id(Int64)
    case account(shop: String, channel: Channel, externalID: String)
    case phone(String)
    case email(String)
}

/// Reading members and the operators' identity decisions: lookups, search, history, manual
/// merges and unmerges, and the review queue.
public struct MemberStore: Sendable {
    let pool: PostgresPool
    let codec: PersonalDataCodec

    public init(pool: PostgresPool, codec: PersonalDataCodec) {
        self.pool = pool
        self.codec = codec
    }

    /// The member `lookup` names. `recording` sees the member once it is loaded: it may refuse
    /// (throw) before anything is shown, and the audit entry it returns is written by the same
    /// statement that reads the member's referral links, on the same connection.
    public func get(
        _ lookup: MemberLookup, recording: @escaping @Sendable (MemberRecord) throws -> AccessAuditEntry? = { _ in nil }
    ) async throws -> MemberRecord {
        let codec = self.codec
        return try await pool.withConnection { c in
            let (found, asked) = try Self.resolve(c, lookup, codec: codec)
            guard let record = try Self.load(c, found, codec: codec) else {
                throw StorageError.notFound(reason: .memberNotFound, message: "no member \(found)")
            }
            var result = record
            if let asked, asked != found { result.mergedFrom = asked }
            let links = try AccessAudit.query(
                c, recording: try recording(result),
                { n in
                    """
                    SELECT (SELECT code FROM referral_code WHERE member_id = $\(n)),
                           (SELECT referrer_id FROM referral_binding WHERE referred_id = $\(n) AND status <> 'voided')
                    """
                }, [.int(found)]
            ).single
            // A member from before referral codes gets one on first read.
            result.referralCode = try links?.decode(String?.self, at: 0) ?? ReferralBook.code(c, for: found)
            result.referredBy = try links?.decode(Int64?.self, at: 1)
            return result
        }
    }

    /// The live member a lookup names, and the id asked for when the lookup was by id.
    static func resolve(_ c: PostgresConnection, _ lookup: MemberLookup, codec: PersonalDataCodec) throws -> (found: Int64, asked: Int64?) {
        var asked: Int64? = nil
        let found: Int64
        switch lookup {
        case .id(let id):
            asked = id
            found = try MemberMerger.liveMember(c, id)
        case .account(let shop, let channel, let externalID):
            guard
                let row = try c.query(
                    """
                    SELECT a.member_id FROM account a JOIN shop s ON s.id = a.shop_id WHERE s.code = $1 AND a.channel = $2 AND a.external_id = $3
                    """, [.text(shop), .text(channel.rawValue), .text(externalID)]
                ).single
            else {
                throw StorageError.notFound(reason: .memberNotFound, message: "no account \(externalID) in \(shop)/\(channel.rawValue)")
            }
            found = try row.decode(at: 0)
        case .phone(let value), .email(let value):
            let kind = { if case .phone = lookup { return "phone" } else { return "email" } }()
            let members = try c.query(
                """
                SELECT DISTINCT a.member_id FROM identity_key k JOIN account a ON a.id = k.account_id
                WHERE k.kind = $1 AND k.value = $2 ORDER BY 1 LIMIT 11
                """, [.text(kind), .text(codec.index(kind: kind, value))]
            ).map { try $0.decode(Int64.self, at: 0) }
            guard let first = members.first else {
                throw StorageError.notFound(reason: .memberNotFound, message: "no member with that \(kind)")
            }
            guard members.count == 1 else {
                throw StorageError.conflict(
                    reason: .ambiguous, message: "\(members.count > 10 ? "more than 10" : String(members.count)) members share that \(kind)")
            }
            found = first
        }
        return (found, asked)
    }

    static func load(_ c: PostgresConnection, _ id: Int64, codec: PersonalDataCodec) throws -> MemberRecord? {
        try loadMany(c, [id], codec: codec).first
    }

    /// Members by id, in the order given (missing ones left out). The statements are prepared: a
    /// `member.get` is a handful of them, and planning each one again cost more than running it.
    static func loadMany(_ c: PostgresConnection, _ ids: [Int64], codec: PersonalDataCodec, withTags: Bool = true) throws -> [MemberRecord] {
        guard !ids.isEmpty else { return [] }
        var accounts: [Int64: [MemberRecord.Account]] = [:]
        for row in try c.queryPrepared(
            """
            SELECT a.member_id, s.code, a.channel, a.external_id FROM account a JOIN shop s ON s.id = a.shop_id
            WHERE a.member_id = ANY($1::bigint[]) ORDER BY s.code, a.channel, a.external_id
            """, [.intArray(ids)])
        {
            accounts[try row.decode(at: 0), default: []].append(
                MemberRecord.Account(shop: try row.decode(at: 1), channel: try row.decode(at: 2), externalID: try row.decode(at: 3)))
        }
        var byID: [Int64: MemberRecord] = [:]
        for row in try c.queryPrepared(
            """
            SELECT m.id, m.gender, m.region, crm_rfc3339(m.created_at),
                   (SELECT crm_rfc3339(min(a.registered_at)) FROM account a WHERE a.member_id = m.id),
                   \(SealedProfile.columns("m")), \(PersonalDataCodec.keyColumns("k"))
            FROM member m LEFT JOIN data_key k ON k.id = m.key_id WHERE m.id = ANY($1::bigint[])
            """, [.intArray(ids)])
        {
            let id: Int64 = try row.decode(at: 0)
            let f = try SealedProfile.open(row, at: 5, cipher: try codec.cipher(row, at: 5 + SealedProfile.fields.count))
            byID[id] = MemberRecord(
                id: id, mergedFrom: nil, name: f["name"], nickname: f["nickname"], phone: f["phone"], email: f["email"],
                birthday: f["birthday"], gender: try row.decode(at: 1), region: try row.decode(at: 2), address: f["address"],
                accounts: accounts[id] ?? [], createdAt: try row.decode(at: 3))
            byID[id]?.registeredAt = try row.decode(at: 4)
        }
        for (id, s) in try PointsStore.standing(c, Array(byID.keys)) {
            byID[id]?.levelCode = s.level
            byID[id]?.pointsBalance = s.balance
            byID[id]?.pointsPending = s.pending
        }
        if withTags {
            for row in try c.queryPrepared(
                """
                SELECT mt.member_id, array_to_json(array_agg(DISTINCT t.name ORDER BY t.name))::text FROM member_tag mt JOIN tag t ON t.id = mt.tag_id
                WHERE mt.member_id = ANY($1::bigint[]) GROUP BY mt.member_id
                """, [.intArray(ids)])
            {
                let names = try JSONParser.parse(try row.decode(String.self, at: 1)).arrayValue?.compactMap(\.stringValue) ?? []
                byID[try row.decode(at: 0)]?.tags = names
            }
        }
        return ids.compactMap { byID[$0] }
    }

    /// Live members whose name contains `query`, or whose phone or e-mail is `query` (normalised),
    /// or whose phone ends with `query` (4 or more digits); ordered by id, after `afterID`. With
    /// `wholeValuesOnly` (for roles that see personal data masked) the name must equal `query`
    /// and phone suffixes are not looked at, so a masked value cannot be found piece by piece.
    /// Names and phones are sealed: the database narrows by blind indexes (the name's n-grams, the
    /// phone's last four digits) and crmd confirms each candidate by opening it (`MemberSearch`).
    /// `stoppedAfter`: set when the search read its most candidates before filling the page; the
    /// next page starts after it.
    public func find(
        query: String, wholeValuesOnly: Bool = false, afterID: Int64?, limit: Int
    ) async throws -> (
        members: [MemberRecord], stoppedAfter: Int64?
    ) {
        precondition(limit > 0 && limit <= PageCursor.maxLimit + 1, "limit out of range")
        let search = MemberSearch(query: query, wholeValuesOnly: wholeValuesOnly, codec: codec)
        let codec = self.codec
        return try await pool.withConnection { c in
            let found = try search.ids(c, afterID: afterID, limit: limit)
            return (try Self.loadMany(c, found.ids, codec: codec), found.stoppedAfter)
        }
    }

    static func escapeLike(_ text: String) -> String {
        var out = ""
        for ch in text {
            if ch == "%" || ch == "_" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// The member's history (its own, and that of members merged into it), oldest first, after `afterID`.
    public func history(memberID: Int64, afterID: Int64?, limit: Int) async throws -> (member: Int64, entries: [HistoryEntry]) {
        try await pool.withConnection { c in
            let live = try MemberMerger.liveMember(c, memberID)
            let entries = try c.query(
                """
                WITH RECURSIVE family(id) AS (
                    SELECT $1::bigint UNION SELECT m.id FROM member m JOIN family f ON m.merged_into = f.id
                )
                SELECT h.id, crm_rfc3339(h.at), h.action, h.actor, jsonb_set(h.detail, '{member}', to_jsonb(h.member_id))::text
                FROM member_history h WHERE h.member_id IN (SELECT id FROM family) AND ($2::bigint IS NULL OR h.id > $2)
                ORDER BY h.id LIMIT $3
                """, [.int(live), .optional(afterID), .int(Int64(limit))]
            ).map {
                HistoryEntry(
                    id: try $0.decode(at: 0), at: try $0.decode(at: 1), action: try $0.decode(at: 2), actor: try $0.decode(at: 3),
                    detail: try JSONParser.parse(try $0.decode(String.self, at: 4)))
            }
            return (live, entries)
        }
    }

    /// An operator merges `other` and `member` (the older survives). Returns the survivor and the merge id.
    public func merge(
        _ member: Int64, _ other: Int64, policy: IdentityPolicy, loyalty: LoyaltyPolicy, actor: String, reason: String
    ) async throws -> (survivor: Int64, mergeID: Int64) {
        let codec = self.codec
        return try await pool.withTransaction { c in
            try c.query("SELECT pg_advisory_xact_lock($1)", [.int(IngestEngine.identityLockKey)])
            let merger = MemberMerger(c: c, policy: policy, codec: codec, loyalty: loyalty)
            let a = try merger.liveMember(member)
            let b = try merger.liveMember(other)
            try MemberFamily.refuseErased(c, [a, b], doing: "merge")
            guard a != b else {
                throw StorageError.conflict(reason: .alreadyMerged, message: "members \(member) and \(other) are already one member (\(a))")
            }
            try c.query("DELETE FROM identity_separation WHERE member_a = $1 AND member_b = $2", [.int(min(a, b)), .int(max(a, b))])
            return try merger.merge(a, b, rule: "manual", score: nil, evidence: [:], actor: actor, reason: reason)
        }
    }

    /// Undoes a merge, named by its id or by the member that was merged away (its latest merge).
    public func unmerge(
        mergeID: Int64?, mergedMember: Int64?, policy: IdentityPolicy, loyalty: LoyaltyPolicy, actor: String, reason: String
    ) async throws -> (survivor: Int64, restored: Int64, mergeID: Int64) {
        let codec = self.codec
        return try await pool.withTransaction { c in
            try c.query("SELECT pg_advisory_xact_lock($1)", [.int(IngestEngine.identityLockKey)])
            var recordID = mergeID
            if recordID == nil, let mergedMember {
                recordID = try c.query("SELECT max(id) FROM merge_record WHERE merged_id = $1 AND undone_at IS NULL", [.int(mergedMember)])
                    .single!.decode(Int64?.self, at: 0)
                guard recordID != nil else {
                    throw StorageError.notFound(reason: .mergeNotFound, message: "member \(mergedMember) was not merged into anyone")
                }
            }
            guard let recordID else { preconditionFailure("unmerge needs a merge id or a member") }
            try MemberFamily.refuseErased(c, mergeRecord: recordID)
            let result = try MemberMerger(c: c, policy: policy, codec: codec, loyalty: loyalty).unmerge(recordID: recordID, actor: actor, reason: reason)
            return (result.survivor, result.restored, recordID)
        }
    }

    /// Open (or decided) review items: fuzzy matches (`type: match`) or guards that fired (`type: guard`).
    /// Guards are never decided, so they are all `open`: any other status finds none.
    public func reviews(type: String, status: String, afterID: Int64?, limit: Int) async throws -> [ReviewRecord] {
        try await pool.withConnection { c in
            if type == "guard" {
                return try c.query(
                    """
                    SELECT id, guard, kind, COALESCE(display, '***'), occurrences, detail::text, crm_rfc3339(first_seen_at), crm_rfc3339(last_seen_at)
                    FROM identity_flag WHERE $3 = 'open' AND ($1::bigint IS NULL OR id > $1) ORDER BY id LIMIT $2
                    """, [.optional(afterID), .int(Int64(limit)), .text(status)]
                ).map { row in
                    let stored = try JSONParser.parse(try row.decode(String.self, at: 5))
                    let detail: JSONValue = [
                        "guard": .string(try row.decode(at: 1)), "kind": .string(try row.decode(at: 2)), "value": .string(try row.decode(at: 3)),
                        "occurrences": .int(try row.decode(Int64.self, at: 4)), "last_seen_at": .string(try row.decode(at: 7)), "detail": stored,
                    ]
                    return ReviewRecord(
                        id: try row.decode(at: 0), type: "guard", status: "open", memberA: nil, memberB: nil, score: nil,
                        detail: detail, createdAt: try row.decode(at: 6))
                }
            }
            return try c.query(
                """
                SELECT id, status, member_a, member_b, score, evidence::text, crm_rfc3339(created_at)
                FROM review_item WHERE status = $1 AND ($2::bigint IS NULL OR id > $2) ORDER BY id LIMIT $3
                """, [.text(status), .optional(afterID), .int(Int64(limit))]
            ).map {
                ReviewRecord(
                    id: try $0.decode(at: 0), type: "match", status: try $0.decode(at: 1), memberA: try $0.decode(at: 2),
                    memberB: try $0.decode(at: 3), score: try $0.decode(at: 4), detail: try JSONParser.parse(try $0.decode(String.self, at: 5)),
                    createdAt: try $0.decode(at: 6))
            }
        }
    }

    /// One match of the review queue, whatever its status.
    public func review(id: Int64) async throws -> ReviewRecord {
        try await pool.withConnection { c in
            guard
                let row = try c.queryPrepared(
                    "SELECT id, status, member_a, member_b, score, evidence::text, crm_rfc3339(created_at) FROM review_item WHERE id = $1", [.int(id)]
                ).single
            else {
                throw StorageError.notFound(reason: .reviewNotFound, message: "no review item \(id)")
            }
            return ReviewRecord(
                id: try row.decode(at: 0), type: "match", status: try row.decode(at: 1), memberA: try row.decode(at: 2),
                memberB: try row.decode(at: 3), score: try row.decode(at: 4), detail: try JSONParser.parse(try row.decode(String.self, at: 5)),
                createdAt: try row.decode(at: 6))
        }
    }

    /// An operator decides a review item: `merge` the two members, or mark them `separate` people.
    public func decide(
        reviewID: Int64, merge: Bool, policy: IdentityPolicy, loyalty: LoyaltyPolicy, actor: String, reason: String?
    ) async throws -> (status: String, survivor: Int64?) {
        let codec = self.codec
        return try await pool.withTransaction { c in
            try c.query("SELECT pg_advisory_xact_lock($1)", [.int(IngestEngine.identityLockKey)])
            guard
                let row = try c.query("SELECT member_a, member_b, status, score, evidence::text FROM review_item WHERE id = $1 FOR UPDATE", [.int(reviewID)])
                    .single
            else {
                throw StorageError.notFound(reason: .reviewNotFound, message: "no review item \(reviewID)")
            }
            guard try row.decode(String.self, at: 2) == "open" else {
                throw StorageError.conflict(reason: .alreadyDecided, message: "review item \(reviewID) was already decided")
            }
            let merger = MemberMerger(c: c, policy: policy, codec: codec, loyalty: loyalty)
            let a = try merger.liveMember(try row.decode(at: 0))
            let b = try merger.liveMember(try row.decode(at: 1))
            if merge {
                var survivor: Int64? = a
                if a != b {
                    survivor = try merger.merge(
                        a, b, rule: "review", score: try row.decode(at: 3), evidence: ["review_id": .int(reviewID)],
                        actor: actor, reason: reason ?? "confirmed in review"
                    ).survivor
                }
                try c.query(
                    "UPDATE review_item SET status = 'merged', decided_at = now(), decided_by = $2, decision_reason = $3 WHERE id = $1",
                    [.int(reviewID), .text(actor), .optional(reason)])
                return ("merged", survivor)
            }
            if a != b {
                try c.query(
                    "INSERT INTO identity_separation (member_a, member_b, actor, reason) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    [.int(min(a, b)), .int(max(a, b)), .text(actor), .optional(reason)])
            }
            try c.query(
                "UPDATE review_item SET status = 'separated', decided_at = now(), decided_by = $2, decision_reason = $3 WHERE id = $1",
                [.int(reviewID), .text(actor), .optional(reason)])
            return ("separated", nil)
        }
    }
}
