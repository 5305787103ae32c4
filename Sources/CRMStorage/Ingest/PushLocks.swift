import CRMDomain
import CRMPostgres

/// The advisory locks one push takes, and which of them it holds so far (all are held until
/// commit). A shop's pushes apply one after another (the shop's lock, taken first). The identity
/// lock: a push with upserts takes it exclusively before any points work, one without takes it
/// shared, so no push ever holds it shared and then waits to hold it alone.
struct PushLocks {
    /// What a step needs to hold before it writes.
    enum Need {
        case none
        /// Resolving identities: the identity lock, exclusively.
        case identity
        /// Writing points and levels: the identity lock, shared (exclusively in a push with upserts).
        case points
    }

    /// Whether the push has upserts: then the identity lock it takes is always the exclusive one.
    let hasUpserts: Bool
    private(set) var identityExclusive = false
    private(set) var identityShared = false

    init(events: [PushedEvent]) {
        hasUpserts = events.contains { event in
            if case .valid(let e) = event, case .memberUpsert = e.payload { return true }
            return false
        }
    }

    /// Serialises the shop's pushes (event ids and order numbers are per shop); pushes of different
    /// shops write in parallel and take the identity lock only to resolve.
    static func lockShop(_ c: PostgresConnection, shopID: Int64) throws {
        try c.queryPrepared(
            "SELECT pg_advisory_xact_lock($1::int, ($2::bigint % 2147483647)::int)",
            [.int(Int64(IngestEngine.shopLockSpace)), .int(shopID)])
    }

    /// Takes what `need` asks for, unless held already.
    mutating func take(_ need: Need, on c: PostgresConnection) throws {
        switch need {
        case .none: return
        case .identity: try identity(on: c)
        case .points: try points(on: c)
        }
    }

    /// Points and levels hang off members: writing them, no merge may move those members
    /// meanwhile, so they are written under the identity lock, shared among pushes of orders.
    mutating func points(on c: PostgresConnection) throws {
        if hasUpserts { return try identity(on: c) }
        guard !identityExclusive, !identityShared else { return }
        try c.lockIdentityShared()
        identityShared = true
    }

    /// Takes the identity lock alone: resolution sees every push committed before.
    mutating func identity(on c: PostgresConnection) throws {
        precondition(!identityShared, "a push that holds the identity lock shared never asks for it alone")
        guard !identityExclusive else { return }
        try c.queryPrepared("SELECT pg_advisory_xact_lock($1)", [.int(IngestEngine.identityLockKey)])
        identityExclusive = true
    }
}
