import CRMDomain
import CRMPostgres
import Synchronization

/// Candidates' fields as matching compares them, opened once and kept across pushes: a push's
/// screen compares each new account with the accounts sharing a blocking key with it, and at
/// 100,000 people one account is read back as a candidate about thirteen times over a merchant's
/// history (opening one, a data key unwrapped and its stored form decrypted, was a tenth of crmd's
/// ingest time). An entry is keyed by the account and a digest of what was read of it (its region
/// and sealed stored form, or, without a form, its sealed fields): an account rewritten since is
/// sealed anew under a fresh nonce, so it is opened again, never served stale; an erased one has no
/// sealed fields and no blocking keys left, so it is neither found nor served.
/// Bounded (`BoundedTable`); crmd holds the keys that open every account, so keeping some opened in
/// its memory exposes nothing more.
final class OpenedProfiles: Sendable {
    /// What was read of an account, as a 128-bit digest under this process's random seeds.
    struct Stamp: Hashable, Sendable {
        let a: Int
        let b: Int
    }

    /// A class, so that a lookup retains one reference, not each of the fields' strings.
    private final class Entry: Sendable {
        let stamp: Stamp
        let fields: PersonFields

        init(stamp: Stamp, fields: PersonFields) {
            self.stamp = stamp
            self.fields = fields
        }
    }

    private let entries: Mutex<BoundedTable<Int64, Entry>>

    /// At most 100,000 accounts by default: an entry (the opened fields and their derived forms) takes
    /// about 0.7 KB, so some 70 MB when full.
    init(capacity: Int = 100_000) {
        entries = Mutex(BoundedTable(capacity: capacity))
    }

    /// Accounts kept now.
    var count: Int { entries.withLock { $0.count } }

    /// The stamp of the account whose `SealedProfile.matchColumns` are at `index` of `row`.
    static func stamp(_ row: PostgresRow, at index: Int) throws -> Stamp {
        // An account with a stored form is known by it (read with or without its sealed fields); one
        // without, by its sealed fields.
        var read: [String?] = [try row.decode(at: index), try row.decode(at: index + 1)]
        if read[1] == nil { for i in 2..<SealedProfile.matchColumnCount { read.append(try row.decode(at: index + i)) } }
        // Their bytes, not the strings: hashing a String normalises it first.
        var a = Hasher(), b = Hasher()
        b.combine(0x5EA1_ED)
        for value in read {
            // Each value's length first, so that no two readings run together alike.
            guard var text = value else {
                a.combine(-1)
                b.combine(-1)
                continue
            }
            a.combine(text.utf8.count)
            b.combine(text.utf8.count)
            text.withUTF8 { utf8 in
                a.combine(bytes: UnsafeRawBufferPointer(utf8))
                b.combine(bytes: UnsafeRawBufferPointer(utf8))
            }
        }
        return Stamp(a: a.finalize(), b: b.finalize())
    }

    /// The fields kept for `account` read as `stamp`, if any.
    func fields(account: Int64, stamp: Stamp) -> PersonFields? {
        guard let hit = entries.withLock({ $0.lookup(account) }), hit.stamp == stamp else { return nil }
        return hit.fields
    }

    /// Keeps `fields`, opened from `account` read as `stamp`.
    func keep(_ fields: PersonFields, account: Int64, stamp: Stamp) {
        entries.withLock { $0.store(CollectionOfOne((account, Entry(stamp: stamp, fields: fields)))) }
    }

    /// The fields of the account whose `SealedProfile.matchColumns` are at `index`, followed by its data
    /// key's columns (`SealedProfile.personFields`' layout).
    func fields(account: Int64, _ row: PostgresRow, at index: Int, codec: PersonalDataCodec) throws -> PersonFields {
        let stamp = try Self.stamp(row, at: index)
        if let hit = fields(account: account, stamp: stamp) { return hit }
        let fields = try SealedProfile.personFields(row, at: index, codec: codec)
        keep(fields, account: account, stamp: stamp)
        return fields
    }
}
