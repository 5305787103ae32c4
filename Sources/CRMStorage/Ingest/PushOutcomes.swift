/// The outcome assembler of one push: every event's outcome in push order, the first outcome of
/// each event id (recorded before the push or decided earlier in it), and the outcomes to record.
/// Owned by the push and changed only through `answer` and `finish`.
struct PushOutcomes {
    /// The first outcome of an event id and the content it came with.
    struct First {
        let hash: [UInt8]
        let outcome: EventOutcome
    }

    /// A first outcome to record in `sync_event`, with the event's content hash and type.
    struct Record {
        let outcome: EventOutcome
        let hash: [UInt8]
        let type: String
    }

    private var seen: [String: First]
    /// One per event handled so far, in push order: what the push answers.
    private(set) var outcomes: [EventOutcome] = []
    /// The first outcomes decided in this push, in order (`SyncEventLog.record`).
    private(set) var records: [Record] = []

    init(seen: [String: First], capacity: Int) {
        self.seen = seen
        outcomes.reserveCapacity(capacity)
    }

    func first(_ id: String) -> First? { seen[id] }

    /// Whether an event with this id and content is new: never seen, or sent again with other
    /// content after being rejected (a rejected event leaves nothing behind, so it may be corrected).
    func isNew(_ id: String, _ hash: [UInt8]) -> Bool {
        guard let first = seen[id] else { return true }
        return first.outcome.status == .rejected && first.hash != hash
    }

    /// An outcome answered but not recorded: a duplicate, an id reused, an event without an id.
    mutating func answer(_ outcome: EventOutcome) {
        outcomes.append(outcome)
    }

    /// The first outcome of a fresh event: answered, and recorded at the end in one statement.
    mutating func finish(_ outcome: EventOutcome, hash: [UInt8], type: String) {
        precondition(outcome.eventID != nil && outcome.status != .duplicate, "only fresh events with an id are recorded")
        seen[outcome.eventID!] = First(hash: hash, outcome: outcome)
        records.append(Record(outcome: outcome, hash: hash, type: type))
        outcomes.append(outcome)
    }
}
