import CRMDomain
import CRMPostgres
import Synchronization

/// Candidates' fields as matching compares them, opened once and kept across pushes: a push's
/// screen compares each new account with the accounts sharing a blocking key with it, and at
/// 100,000 people one account is read back as a candidate about thirteen times over a merchant's
/// history (opening one, a data key unwrapped and its stored form decrypted, was a tenth of crmd's
/// ingest time). An entry is kept under the account's `match_stamp` (migration 26: a hash of
/// everything matching reads of it, computed by PostgreSQL on every write, and carried by its
/// blocking keys), so the screen knows from the keys' index alone whether an account is still as it
/// was opened; an account written since has another stamp (its sealed values carry fresh nonces), so
/// it is opened again, never served stale. An erased account has no sealed fields and no blocking
/// keys left, so it is neither found nor served.
/// Bounded (`BoundedTable`); crmd holds the keys that open every account, so keeping some opened in
/// its memory exposes nothing more.
final class OpenedProfiles: Sendable {
    /// An account's `match_stamp`.
    typealias Stamp = Int64

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

    /// The fields kept for `account` opened at `stamp`, if any.
    func fields(account: Int64, stamp: Stamp) -> PersonFields? {
        guard let hit = entries.withLock({ $0.lookup(account) }), hit.stamp == stamp else { return nil }
        return hit.fields
    }

    /// Keeps `fields`, opened from `account` at `stamp`.
    func keep(_ fields: PersonFields, account: Int64, stamp: Stamp) {
        entries.withLock { $0.store(CollectionOfOne((account, Entry(stamp: stamp, fields: fields)))) }
    }

    /// The fields of the account whose `SealedProfile.matchColumns` are at `index`, followed by its data
    /// key's columns (`SealedProfile.personFields`' layout), read with its `match_stamp` `stamp` (nil:
    /// opened and not kept).
    func fields(account: Int64, stamp: Stamp?, _ row: PostgresRow, at index: Int, codec: PersonalDataCodec) throws -> PersonFields {
        if let stamp, let hit = fields(account: account, stamp: stamp) { return hit }
        let fields = try SealedProfile.personFields(row, at: index, codec: codec)
        if let stamp { keep(fields, account: account, stamp: stamp) }
        return fields
    }
}
