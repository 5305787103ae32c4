import CRMProtocol

/// A line of the source: the file (its name in the checkpoint) and the line number.
struct SourcePlace: Sendable {
    let file: String
    let line: Int
}

/// A line that goes to the rejects file: where it was, its event's id (null when it had none or
/// could not be read) and the error to write with it.
struct Refusal: Sendable {
    let place: SourcePlace
    let id: JSONValue
    let error: JSONValue
}

/// One push in the making: the events read since the last push, within `--batch-size` and
/// `--batch-bytes`, where each came from, the positions reached in each file, and the lines that
/// could not be events. A batch with no events still carries positions and unreadable lines to the
/// acknowledger, behind the pushes sent before it.
struct Batch: Sendable {
    private(set) var events: [JSONValue] = []
    private(set) var places: [SourcePlace] = []
    /// Bytes of the events, as `--batch-bytes` counts them.
    private(set) var bytes = 0
    var positions: [String: Checkpoint.Position] = [:]
    var unreadable: [Refusal] = []

    var isEmpty: Bool { events.isEmpty && positions.isEmpty && unreadable.isEmpty }

    mutating func append(_ event: JSONValue, bytes: Int, at place: SourcePlace) {
        events.append(event)
        places.append(place)
        self.bytes += bytes
    }
}
