import CRMDomain
import CRMPostgres

/// Applies one valid event on its own (`EventApplier`) inside a savepoint, so that a rejection
/// leaves nothing behind while the rest of the push applies.
struct SingleEventExecutor {
    let c: PostgresConnection
    let applier: EventApplier

    func apply(_ e: SyncEvent, index: Int) throws -> EventOutcome {
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
}
