import CRMDomain

/// Why an event was not applied, as its result says.
public struct EventRejection: Error, Sendable, Equatable {
    /// Which JSON-RPC code the result's error carries.
    public enum Kind: String, Sendable {
        case invalid, conflict, refused, notFound
    }

    public var kind: Kind
    public var reason: ErrorReason
    public var message: String
    /// JSON path within the pushed params (`events[3].member.phone`), when a field is at fault.
    public var field: String?

    public init(_ kind: Kind, reason: ErrorReason, message: String, field: String? = nil) {
        self.kind = kind
        self.reason = reason
        self.message = message
        self.field = field
    }
}

/// The result of one pushed event.
public struct EventOutcome: Sendable, Equatable {
    public enum Status: String, Sendable {
        case applied, duplicate, rejected
    }

    public var eventID: String?
    public var status: Status
    public var memberID: Int64?
    public var rejection: EventRejection?
    /// For a duplicate: the status the event had the first time.
    public var firstStatus: Status?

    public init(eventID: String?, status: Status, memberID: Int64? = nil, rejection: EventRejection? = nil, firstStatus: Status? = nil) {
        self.eventID = eventID
        self.status = status
        self.memberID = memberID
        self.rejection = rejection
        self.firstStatus = firstStatus
    }
}

/// An entry of a pushed batch as the server parsed it: a valid event, or the reason it is not one.
public enum PushedEvent: Sendable {
    case valid(SyncEvent)
    /// `id` is nil when the event had no usable id (then it cannot be recorded for replays).
    case invalid(id: String?, contentHash: [UInt8], type: String, rejection: EventRejection)
}
