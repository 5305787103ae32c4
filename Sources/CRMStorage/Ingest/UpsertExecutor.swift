import CRMDomain
import CRMPostgres

/// The members and identity part of a segment: writes the accounts its upserts create (no lock
/// needed), then, holding the identity lock, finds who they are and binds the referral codes new
/// members signed up with.
struct UpsertExecutor {
    let bulk: BulkIngest

    typealias Item = BulkIngest.Indexed<BulkIngest.Upsert>

    /// Writes the new accounts, each with a new member, and their keys (`BulkIngest.insertUpserts`).
    func insert(_ upserts: [Item]) throws -> BulkIngest.InsertedUpserts {
        try bulk.insertUpserts(upserts)
    }

    /// Resolves the accounts `insert` wrote; one outcome per upsert, in order. Screening them for
    /// possible matches needs no lock; holding it, they are screened again only against the accounts
    /// other pushes noted meanwhile (`IdentityJournal`). A match model trained meanwhile sends every
    /// account through the resolver (screening decided with the one before).
    func resolve(_ inserted: BulkIngest.InsertedUpserts, locks: inout PushLocks) throws -> [EventOutcome] {
        let journal = IdentityJournal(c: bulk.c)
        let mark = try journal.mark()
        let model = try IdentityModelStore.current(bulk.c)
        var slow = try bulk.screen(inserted, model: model)
        try locks.identity(on: bulk.c)
        let current = try IdentityModelStore.current(bulk.c)
        if current.version != model.version {
            slow = Set(inserted.accounts)
        } else if let changed = try journal.changed(since: mark) {
            slow.formUnion(try bulk.screen(inserted, model: model, among: changed))
        } else {
            slow = try bulk.screen(inserted, model: model)
        }
        try journal.note(inserted.accounts, replaced: false)
        let outcomes = try bulk.resolveUpserts(inserted, slow: slow, model: current)
        var signups: [(member: Int64, code: String, event: String)] = []
        for (i, (item, outcome)) in zip(inserted.run, outcomes).enumerated() {
            // A new member (not merged into someone already there) who signed up with a code.
            if let code = item.value.profile.referralCode, outcome.memberID == inserted.members[i] {
                signups.append((inserted.members[i], code, item.event.id))
            }
        }
        try ReferralBook(c: bulk.c, policy: bulk.loyalty.points, push: bulk.push).bindNewMembers(signups, actor: "sync")
        return outcomes
    }
}
