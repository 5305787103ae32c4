import CRMDomain
import CRMJSON
import CRMPostgres

/// Decides which members an account belongs with, inside the caller's transaction: deterministic
/// keys first (with the guards against over-merging), then fuzzy matching for an account that
/// shares no key with anyone. Every guard that fires is recorded in `identity_flag`.
struct IdentityResolver {
    let c: PostgresConnection
    let policy: IdentityPolicy
    let codec: PersonalDataCodec
    let merger: MemberMerger
    /// Members made by the caller's push for accounts seen for the first time (see `MemberMerger.merge`).
    var newMembers: Set<Int64> = []

    /// Links `accountID` (whose keys are already stored) to whoever it shares keys with.
    /// Returns the member the account belongs to afterwards.
    func resolve(accountID: Int64, keys: [IdentityKey], fields: PersonFields) throws -> Int64 {
        try resolveCounting(accountID: accountID, keys: keys, fields: fields).member
    }

    /// `resolve`, also saying how many merges it made.
    func resolveCounting(accountID: Int64, keys: [IdentityKey], fields: PersonFields) throws -> (member: Int64, merges: Int) {
        var merges = 0
        var memberID = try currentMember(of: accountID)
        var linked = false
        for key in keys {
            let value = codec.index(kind: key.kind, key.value)
            if try isBlocked(kind: key.kind, value: value, normalized: key.value) {
                try flag("blocked", key.kind, value, ["account": .int(accountID)])
                continue
            }
            // The most accounts holding this key in any one shop channel, and in all.
            let counts = try c.queryPrepared("""
                SELECT COALESCE(max(n), 0), COALESCE(sum(n), 0) FROM (
                    SELECT count(*) AS n FROM identity_key k JOIN account a ON a.id = k.account_id
                    WHERE k.kind = $1 AND k.value = $2 GROUP BY a.shop_id, a.channel
                ) per_channel
                """, [.text(key.kind), .text(value)]).single!
            let perChannel: Int = try counts.decode(at: 0)
            let total: Int = try counts.decode(at: 1)
            if perChannel > policy.maxAccountsPerKeyPerShopChannel {
                try flag("shared_in_channel", key.kind, value, ["accounts_in_one_channel": .int(Int64(perChannel)), "limit": .int(Int64(policy.maxAccountsPerKeyPerShopChannel))])
                continue
            }
            if total > policy.maxAccountsPerKey {
                try flag("shared_widely", key.kind, value, ["accounts": .int(Int64(total)), "limit": .int(Int64(policy.maxAccountsPerKey))])
                continue
            }
            let candidates = try c.queryPrepared("""
                SELECT DISTINCT a.member_id FROM identity_key k JOIN account a ON a.id = k.account_id
                WHERE k.kind = $1 AND k.value = $2 AND a.member_id <> $3 ORDER BY 1
                """, [.text(key.kind), .text(value), .int(memberID)]).map { try $0.decode(Int64.self, at: 0) }
            for candidate in candidates {
                let other = try merger.liveMember(candidate)
                if other == memberID { continue }
                if try merger.areSeparated(memberID, other) {
                    try flag("separated", key.kind, value, ["members": .array([.int(memberID), .int(other)])])
                    continue
                }
                if let conflict = try priorityConflict(key: key, keys: keys, candidate: other) {
                    try flag("priority_conflict", key.kind, value, ["stronger_kind": .string(conflict), "members": .array([.int(memberID), .int(other)])])
                    continue
                }
                memberID = try merger.merge(memberID, other, rule: "key:\(key.kind)", score: nil,
                                            evidence: ["kind": .string(key.kind)], actor: "system", reason: "shared \(key.kind)", newMembers: newMembers).survivor
                merges += 1
                linked = true
            }
        }
        if !linked, try accountCount(of: memberID) == 1 {
            let matched = try fuzzyMatch(accountID: accountID, memberID: memberID, fields: fields)
            if matched.merged { merges += 1 }
            memberID = matched.member
        }
        return (memberID, merges)
    }

    /// A stronger key kind that both sides carry with different values vetoes merging on a weaker key.
    private func priorityConflict(key: IdentityKey, keys: [IdentityKey], candidate: Int64) throws -> String? {
        let rank = IdentityKey.rank(key.kind, policy.keyPriority)
        for stronger in keys where IdentityKey.rank(stronger.kind, policy.keyPriority) < rank {
            let theirs = try c.queryPrepared("""
                SELECT DISTINCT k.value FROM account a
                CROSS JOIN LATERAL (SELECT value FROM identity_key k WHERE k.account_id = a.id AND k.kind = $2 LIMIT 1000) k
                WHERE a.member_id = $1
                """, [.int(candidate), .text(stronger.kind)]).map { try $0.decode(String.self, at: 0) }
            if !theirs.isEmpty, !theirs.contains(codec.index(kind: stronger.kind, stronger.value)) { return stronger.kind }
        }
        return nil
    }

    /// The member the account belongs to after fuzzy matching, and whether it merged.
    private func fuzzyMatch(accountID: Int64, memberID: Int64, fields: PersonFields) throws -> (member: Int64, merged: Bool) {
        let blocks = fields.blockingKeys
        guard !blocks.isEmpty else { return (memberID, false) }
        let rows = try c.queryPrepared("""
            WITH usable AS MATERIALIZED (
                SELECT k.key FROM unnest($1::text[]) AS k(key)
                WHERE (SELECT count(*) FROM (SELECT 1 FROM blocking_key x WHERE x.key = k.key LIMIT $2 + 1) c) <= $2
            )
            SELECT DISTINCT a.id, a.member_id, a.name, a.birthday_sealed, a.address_sealed, a.region, a.phone_sealed
            FROM usable u CROSS JOIN LATERAL (SELECT account_id FROM blocking_key b WHERE b.key = u.key LIMIT $2 + 1) b
            JOIN account a ON a.id = b.account_id
            WHERE a.member_id <> $3
            LIMIT $4
            """, [.textArray(blocks), .int(Int64(policy.maxCandidatesPerBlock)), .int(memberID), .int(Int64(policy.maxCandidatesPerBlock * 3))])
        var best: [Int64: MatchScore] = [:]
        for row in rows {
            let other = PersonFields(name: try row.decode(at: 2), birthday: codec.open(try row.decode(at: 3)),
                                     address: codec.open(try row.decode(at: 4)), region: try row.decode(at: 5), phone: codec.open(try row.decode(at: 6)))
            let score = FuzzyMatcher.score(fields, other, autoMergeThreshold: policy.autoMergeThreshold)
            let member: Int64 = try row.decode(at: 1)
            if score.score > (best[member]?.score ?? -1) { best[member] = score }
        }
        var current = memberID
        var merged = false
        for (candidate, match) in best.sorted(by: { $0.value.score > $1.value.score || ($0.value.score == $1.value.score && $0.key < $1.key) }) {
            guard match.score >= policy.reviewThreshold else { break }
            let other = try merger.liveMember(candidate)
            if other == current { continue }
            if try merger.areSeparated(current, other) { continue }
            let evidence = Self.evidence(match)
            if match.score >= policy.autoMergeThreshold, !merged {
                current = try merger.merge(current, other, rule: "fuzzy", score: match.score, evidence: evidence, actor: "system",
                                           reason: "fuzzy match above the auto-merge threshold", newMembers: newMembers).survivor
                merged = true
            } else {
                let (a, b) = (min(current, other), max(current, other))
                try c.queryPrepared("""
                    INSERT INTO review_item (member_a, member_b, score, evidence) VALUES ($1, $2, $3, $4::jsonb)
                    ON CONFLICT (member_a, member_b) WHERE status = 'open' DO UPDATE SET score = EXCLUDED.score, evidence = EXCLUDED.evidence
                    """, [.int(a), .int(b), .text(String(match.score)), .text(JSONSerializer.canonicalObject(evidence))])
            }
        }
        return (current, merged)
    }

    static func evidence(_ match: MatchScore) -> JSONObject {
        var fields: JSONObject = [:]
        for (k, v) in match.fields { fields[k] = .double((v * 1000).rounded() / 1000) }
        var evidence: JSONObject = ["score": .double(match.score), "fields": .object(fields)]
        if let capped = match.cappedBecause { evidence["held_back"] = .string(capped) }
        return evidence
    }

    private func isBlocked(kind: String, value: String, normalized: String) throws -> Bool {
        if kind == "phone", PlaceholderKey.isPlaceholderPhone(normalized) { return true }
        if policy.blockedKeys.contains(IdentityKey(kind: kind, value: normalized)) { return true }
        return try !c.queryPrepared("SELECT 1 FROM identity_blocklist WHERE kind = $1 AND value = $2", [.text(kind), .text(value)]).isEmpty
    }

    private func flag(_ guardName: String, _ kind: String, _ value: String, _ detail: JSONObject) throws {
        try c.queryPrepared("""
            INSERT INTO identity_flag (guard, kind, value, detail) VALUES ($1, $2, $3, $4::jsonb)
            ON CONFLICT (guard, kind, value) DO UPDATE
            SET occurrences = identity_flag.occurrences + 1, last_seen_at = now(), detail = EXCLUDED.detail
            """, [.text(guardName), .text(kind), .text(value), .text(JSONSerializer.canonicalObject(detail))])
    }

    private func currentMember(of accountID: Int64) throws -> Int64 {
        try c.queryPrepared("SELECT member_id FROM account WHERE id = $1", [.int(accountID)]).single!.decode(at: 0)
    }

    private func accountCount(of memberID: Int64) throws -> Int {
        try c.queryPrepared("SELECT count(*) FROM account WHERE member_id = $1", [.int(memberID)]).single!.decode(at: 0)
    }
}

