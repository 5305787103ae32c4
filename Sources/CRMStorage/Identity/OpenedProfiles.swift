import CRMDomain
import CRMPostgres

/// Candidates' fields as matching compares them, opened once per push: the screen before the
/// identity lock and the resolver after it read many of the same accounts, and opening one (a data
/// key unwrapped, its stored form or four fields decrypted) was a fifth of crmd's time in the identity
/// benchmark. An entry is keyed by the account and what was read of it (its region and stored form,
/// or, without a form, its sealed fields): an account rewritten in between is sealed anew (a fresh
/// nonce), so it is opened again, never served stale.
/// One push's, on one connection's thread: not shared.
final class OpenedProfiles {
    private var entries: [Int64: (sealed: [String?], fields: PersonFields)] = [:]
    /// Entries kept at most. An entry (the opened fields, their derived forms and the sealed text it was
    /// read as) is at most about 1.5 KB (less when known by its stored form), so a push holds at most
    /// some 15 MB of them; candidates past the limit are opened each time, as without the cache.
    static let limit = 10_000

    /// The fields of the account whose `SealedProfile.matchColumns` are at `index`, followed by its data
    /// key's columns (`SealedProfile.personFields`' layout).
    func fields(account: Int64, _ row: PostgresRow, at index: Int, codec: PersonalDataCodec) throws -> PersonFields {
        // An account with a stored form is known by it (read with or without its sealed fields); one
        // without, by its sealed fields.
        var sealed: [String?] = [try row.decode(at: index), try row.decode(at: index + 1)]
        if sealed[1] == nil { for i in 2..<SealedProfile.matchColumnCount { sealed.append(try row.decode(at: index + i)) } }
        if let hit = entries[account], hit.sealed == sealed { return hit.fields }
        let fields = try SealedProfile.personFields(row, at: index, codec: codec)
        if entries.count < Self.limit { entries[account] = (sealed, fields) }
        return fields
    }
}
