import CRMDomain
import CRMJSON
import CRMPostgres

/// Decides which members an account belongs with, inside the caller's transaction: deterministic
/// keys first (with the guards against over-merging, decided by `IdentityGuards`), then fuzzy matching for an account that
/// shares no key with anyone. Every guard that fires is recorded in `identity_flag`.
struct IdentityResolver {
    let c: PostgresConnection
    let policy: IdentityPolicy
    /// The match model that scores candidates that share no key (`IdentityModelStore.current`).
    let model: MatchModel
    let codec: PersonalDataCodec
    let merger: MemberMerger
    /// Members made by the caller's push for accounts seen for the first time (see `MemberMerger.merge`).
    var newMembers: Set<Int64> = []
    /// The push's accounts' candidates, read at once under the identity lock (nil: read each account's).
    var prefetched: PushCandidates? = nil

    /// Links `accountID` (whose keys are already stored) to whoever it shares keys with.
    /// Returns the member the account belongs to afterwards.
    func resolve(accountID: Int64, keys: [IdentityKey], fields: PersonFields) throws -> Int64 {
        try resolveCounting(accountID: accountID, keys: keys, fields: fields).member
    }

    /// `resolve`, also saying how many merges it made.
    func resolveCounting(accountID: Int64, keys: [IdentityKey], fields: PersonFields) throws -> (member: Int64, merges: Int) {
        let guards = IdentityGuards(policy: policy)
        var merges = 0
        // The account's member and how many accounts it holds: until a key links it, that stays so.
        let (startMember, single) = try prefetched?.member(of: accountID) ?? currentMember(of: accountID)
        #if DEBUG
        if prefetched?.member(of: accountID) != nil {
            let read = try currentMember(of: accountID)
            precondition(read == (startMember, single), "the push's own record of merges disagrees with the database")
        }
        #endif
        var memberID = startMember
        var linked = false
        for key in keys {
            let value = codec.index(kind: key.kind, key.value)
            if let fired = try guards.stop(key: key, use: { try keyUse(kind: key.kind, value: value) }) {
                try flag(fired, key, value, account: accountID)
                continue
            }
            let candidates = try c.queryPrepared(
                """
                SELECT DISTINCT a.member_id FROM identity_key k JOIN account a ON a.id = k.account_id
                WHERE k.kind = $1 AND k.value = $2 AND a.member_id <> $3 ORDER BY 1
                """, [.text(key.kind), .text(value), .int(memberID)]
            ).map { try $0.decode(Int64.self, at: 0) }
            for candidate in candidates {
                let other = try merger.liveMember(candidate)
                if other == memberID { continue }
                if let fired = try guards.stop(
                    mergingOn: key.kind, keys: keys, separated: { try merger.areSeparated(memberID, other) },
                    stored: { codec.index(kind: $0.kind, $0.value) }, theirValues: { try values(of: other, kind: $0) })
                {
                    try flag(fired, key, value, account: accountID, members: (memberID, other))
                    continue
                }
                memberID = try merger.merge(
                    memberID, other, rule: "key:\(key.kind)", score: nil,
                    evidence: ["kind": .string(key.kind)], actor: "system", reason: "shared \(key.kind)", newMembers: newMembers
                ).survivor
                merges += 1
                linked = true
            }
        }
        if !linked, single {
            let matched = try fuzzyMatch(accountID: accountID, memberID: memberID, fields: fields)
            if matched.merged { merges += 1 }
            memberID = matched.member
        }
        return (memberID, merges)
    }

    /// Whether a key value is on the blocklist, and how many accounts hold it: the most in any one
    /// shop channel, and in all.
    private func keyUse(kind: String, value: String) throws -> IdentityGuards.KeyUse {
        let row = try c.queryPrepared(
            """
            SELECT EXISTS (SELECT 1 FROM identity_blocklist b WHERE b.kind = $1 AND b.value = $2), COALESCE(max(n), 0), COALESCE(sum(n), 0) FROM (
                SELECT count(*) AS n FROM identity_key k JOIN account a ON a.id = k.account_id
                WHERE k.kind = $1 AND k.value = $2 GROUP BY a.shop_id, a.channel
            ) per_channel
            """, [.text(kind), .text(value)]
        ).single!
        return IdentityGuards.KeyUse(blocklisted: try row.decode(at: 0), mostInOneShopChannel: try row.decode(at: 1), accounts: try row.decode(at: 2))
    }

    /// The stored values of one key kind on a member's accounts.
    private func values(of member: Int64, kind: String) throws -> Set<String> {
        Set(
            try c.queryPrepared(
                """
                SELECT DISTINCT k.value FROM account a
                CROSS JOIN LATERAL (SELECT value FROM identity_key k WHERE k.account_id = a.id AND k.kind = $2 LIMIT 1000) k
                WHERE a.member_id = $1
                """, [.int(member), .text(kind)]
            ).map { try $0.decode(String.self, at: 0) })
    }

    /// The member the account belongs to after matching it by the match model with the accounts that
    /// share a blocking key but no identity key with it, and whether it merged. The most likely
    /// candidate at or above the auto-merge threshold merges. Each further candidate at or above it
    /// merges too — one person's earlier records, found apart, joined by the record that matches them
    /// all — unless phones set it apart from what the record has joined (both hold phones and share
    /// none: two people the guards keep apart are never joined through a third record); then it waits
    /// for review, as every other candidate at or above the review threshold does. Rescanning existing
    /// members calls this as ingest does. `accountID` is the only account of `memberID`.
    func fuzzyMatch(accountID: Int64, memberID: Int64, fields: PersonFields) throws -> (member: Int64, merged: Bool) {
        let found = try prefetched?.candidates(of: accountID) ?? candidates(accountID: accountID, fields: fields)
        #if DEBUG
        if prefetched?.candidates(of: accountID) != nil {
            let read = try candidates(accountID: accountID, fields: fields)
            precondition(read.accounts.map(\.member) == found.accounts.map(\.member), "the push's own record of merges disagrees with the database")
        }
        #endif
        var best: [Int64: (decision: MatchDecision, score: PairScore)] = [:]
        let nameHolders = found.nameHoldersByMember(fields)
        for candidate in found.accounts {
            let frequency = found.nameFrequency(leavingOut: nameHolders[candidate.member] ?? 0, model: model)
            let address = found.addressFrequency(fields, of: candidate.member, model: model)
            let scored = Self.decide(fields, candidate.fields, model: model, nameFrequency: frequency, addressFrequency: address, policy: policy)
            if let held = best[candidate.member], !Self.ranks(scored.score, above: held.score) { continue }
            best[candidate.member] = scored
        }
        let order = best.sorted { x, y in
            Self.ranks(x.value.score, above: y.value.score) || (!Self.ranks(y.value.score, above: x.value.score) && x.key < y.key)
        }
        var current = memberID
        var merged = false
        for (candidate, (decision, score)) in order {
            guard decision != .none else { break }
            let (other, separated) = try liveMember(candidate, separatedFrom: current)
            if other == current || separated { continue }
            let evidence = score.evidence(modelVersion: model.version)
            if decision == .merge, try !merged || sharesPhonesOrLacksThem(current, other) {
                current = try merger.merge(
                    current, other, rule: "fuzzy", score: score.probability, evidence: evidence, actor: "system",
                    reason: "match probability at or above the auto-merge threshold", newMembers: newMembers, modelVersion: model.version
                ).survivor
                merged = true
            } else {
                let (a, b) = (min(current, other), max(current, other))
                try c.queryPrepared(
                    """
                    INSERT INTO review_item (member_a, member_b, score, evidence) VALUES ($1, $2, $3, $4::jsonb)
                    ON CONFLICT (member_a, member_b) WHERE status = 'open' DO UPDATE SET score = EXCLUDED.score, evidence = EXCLUDED.evidence
                    """, [.int(a), .int(b), .text(String(score.probability)), .text(JSONSerializer.canonicalObject(evidence))])
            }
        }
        return (current, merged)
    }

    /// Whether two members hold no phones that set them apart: either holds none, or they share one.
    private func sharesPhonesOrLacksThem(_ a: Int64, _ b: Int64) throws -> Bool {
        let mine = try values(of: a, kind: "phone")
        if mine.isEmpty { return true }
        let theirs = try values(of: b, kind: "phone")
        return theirs.isEmpty || !mine.isDisjoint(with: theirs)
    }

    /// Accounts of other members that share a blocking key with `fields`, as fuzzy matching compares them.
    struct Candidates {
        var accounts: [(member: Int64, fields: PersonFields)] = []
        /// Accounts other than the record's own holding its name's key (at most `NameFrequency.countCap`)
        /// and all accounts (the planner's estimate); nil without a name.
        var nameHolders: (holders: Int, accounts: Double)?
        /// Accounts other than the record's own at its address (its `ad:` key, at most `NameFrequency.countCap`)
        /// and all accounts; nil without an address key.
        var addressHolders: (holders: Int, accounts: Double)?

        /// Per member, its accounts found that hold the record's name's key (`PersonFields.nameFrequencyKey`).
        func nameHoldersByMember(_ fields: PersonFields) -> [Int64: Int] {
            guard nameHolders != nil, !fields.nameFolded.isEmpty else { return [:] }
            var out: [Int64: Int] = [:]
            for a in accounts where fields.sharesNameFrequencyKey(with: a.fields) { out[a.member, default: 0] += 1 }
            return out
        }

        /// The record's name's share among accounts as evidence about a candidate member
        /// (`NameFrequency`), that member's own `candidateHolders` accounts with the name left out.
        func nameFrequency(leavingOut candidateHolders: Int, model: MatchModel) -> Double? {
            guard let (holders, total) = nameHolders else { return nil }
            return NameFrequency.estimate(holders: holders, candidateHolders: candidateHolders, accounts: total, model: model)
        }
    }

    /// The candidates of an account that is the only one of its member, and its name's and address's
    /// frequencies, in one statement (`PushCandidates.candidates`, which reads a whole push's at once):
    /// those sharing the most blocking keys with it first, then the oldest, so a rescan compares the
    /// same ones.
    func candidates(accountID: Int64, fields: PersonFields) throws -> Candidates {
        try PushCandidates.candidates(
            c, policy: policy, codec: codec, accounts: [accountID], keys: [PushCandidates.Keys(fields, codec: codec)]
        )[accountID] ?? Candidates()
    }

    /// What ingest decides for a pair: the model's score and the decision on it (with its guard).
    static func decide(
        _ a: PersonFields, _ b: PersonFields, model: MatchModel, nameFrequency: Double?, addressFrequency: Double? = nil, policy: IdentityPolicy
    ) -> (decision: MatchDecision, score: PairScore) {
        let score = model.score(FieldComparison.compare(a, b), nameFrequency: nameFrequency, addressFrequency: addressFrequency)
        return MatchDecision.decide(score, a, b, policy: policy)
    }

    /// Whether a pair could reach the review threshold whatever the name's and the address's frequencies
    /// turn out to be: what screening asks before the identity lock, where they are not read. They move
    /// only the name's agreeing levels and an exact address, most in the pair's favour at their floors
    /// (the rarest values) or unknown (the levels' own `u`), so a pair that reaches review with neither
    /// never reaches it.
    static func mayReachReview(_ a: PersonFields, _ b: PersonFields, model: MatchModel, policy: IdentityPolicy) -> Bool {
        let v = FieldComparison.compare(a, b)
        for floor in [false, true] {
            let score = model.score(
                v, nameFrequency: floor ? model.termFrequencyFloor : nil, addressFrequency: floor ? model.termFrequencyFloor(.address) : nil)
            guard MatchDecision.decide(score, a, b, policy: policy).0 != .none else { continue }
            return true
        }
        return false
    }

    /// Whether `x` is the likelier match: higher probability, then (where probabilities round to 1) higher weight.
    static func ranks(_ x: PairScore, above y: PairScore) -> Bool {
        x.probability > y.probability || (x.probability == y.probability && x.weight > y.weight)
    }

    /// Records a guard that fired on a key (by its blind index `value`, shown masked), with what made it fire.
    private func flag(_ fired: IdentityGuards.Fired, _ key: IdentityKey, _ value: String, account: Int64, members: (Int64, Int64)? = nil) throws {
        let pair: JSONValue = members.map { .array([.int($0.0), .int($0.1)]) } ?? .null
        let detail: JSONObject
        switch fired {
        case .blocked: detail = ["account": .int(account)]
        case .sharedInChannel(let accounts, let limit): detail = ["accounts_in_one_channel": .int(Int64(accounts)), "limit": .int(Int64(limit))]
        case .sharedWidely(let accounts, let limit): detail = ["accounts": .int(Int64(accounts)), "limit": .int(Int64(limit))]
        case .separated: detail = ["members": pair]
        case .priorityConflict(let stronger): detail = ["stronger_kind": .string(stronger), "members": pair]
        }
        try c.queryPrepared(
            """
            INSERT INTO identity_flag (guard, kind, value, detail, display) VALUES ($1, $2, $3, $4::jsonb, $5)
            ON CONFLICT (guard, kind, value) DO UPDATE
            SET occurrences = identity_flag.occurrences + 1, last_seen_at = now(), detail = EXCLUDED.detail, display = EXCLUDED.display
            """, [.text(fired.name), .text(key.kind), .text(value), .text(JSONSerializer.canonicalObject(detail)), .text(key.masked)])
    }

    /// The account's member, and whether it holds no other account.
    private func currentMember(of accountID: Int64) throws -> (member: Int64, single: Bool) {
        let row = try c.queryPrepared(
            "SELECT a.member_id, (SELECT count(*) FROM account z WHERE z.member_id = a.member_id) FROM account a WHERE a.id = $1",
            [.int(accountID)]
        ).single!
        return (try row.decode(at: 0), try row.decode(Int.self, at: 1) == 1)
    }

    /// The member that answers for `candidate` now and whether it and `current` are kept apart: from
    /// what the push read under the lock where it can, else from the database.
    private func liveMember(_ candidate: Int64, separatedFrom current: Int64) throws -> (member: Int64, separated: Bool) {
        guard let prefetched else { return try merger.liveMember(candidate, separatedFrom: current) }
        let other = prefetched.live(candidate)
        let separated = try prefetched.separated(current, other) ?? merger.areSeparated(current, other)
        #if DEBUG
        let read = try merger.liveMember(candidate, separatedFrom: current)
        precondition(read == (other, separated), "the push's own record of merges or separations disagrees with the database")
        #endif
        return (other, separated)
    }
}
