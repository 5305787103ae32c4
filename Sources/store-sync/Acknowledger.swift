import CRMProtocol

/// The acknowledger: takes crmd's answers in the order the pushes were sent, counts them,
/// writes what was refused to the rejects file (a line rejected the first time and now a
/// duplicate too: that answer may have been lost), then advances the positions and writes the
/// checkpoint. It is the checkpoint's only writer, and lives across passes, so a retry starts
/// from what it recorded.
actor Acknowledger {
    private(set) var checkpoint: Checkpoint
    private let rejects: RejectsFile
    private let checkpointPath: String?
    private let progress: Progress
    /// False in a dry run: nothing is answered, and the progress shows the events read instead.
    private let reportsEvents: Bool

    init(checkpoint: Checkpoint, rejects: RejectsFile, checkpointPath: String?, progress: Progress, reportsEvents: Bool) {
        self.checkpoint = checkpoint
        self.rejects = rejects
        self.checkpointPath = checkpointPath
        self.progress = progress
        self.reportsEvents = reportsEvents
    }

    /// Acknowledges `pushes` as they come until they end, leaving `window` after each; a failure
    /// is passed to the window (so the batcher stops too) and thrown.
    func acknowledge(_ pushes: AsyncStream<SentPush>, leaving window: InFlightWindow) async throws {
        do {
            for await push in pushes {
                // The pass failed on the batcher's side: what is left is not recorded.
                if Task.isCancelled { return }
                var outcomes: [SyncPushCall.Outcome]? = nil
                if let call = push.call {
                    outcomes = try await SyncPushCall.outcomes(of: call, count: push.places.count)
                    TestCrash.at("reply")
                }
                try record(push, outcomes)
                window.leave()
            }
        } catch {
            window.fail(error)
            throw error
        }
    }

    /// Files gone from the source leave the checkpoint, so it does not grow with every rotation.
    func forget(filesNotIn present: Set<String>) {
        checkpoint.files = checkpoint.files.filter { present.contains($0.key) }
    }

    private func record(_ push: SentPush, _ outcomes: [SyncPushCall.Outcome]?) throws {
        var refused = push.unreadable
        checkpoint.invalid += push.unreadable.count
        for (i, outcome) in (outcomes ?? []).enumerated() {
            switch outcome {
            case .applied:
                checkpoint.applied += 1
            case .duplicate(let firstRejection):
                checkpoint.duplicate += 1
                // Rejected the first time: that answer may have been lost (the agent or crmd was killed
                // before it was recorded), so it is reported now; the rejects file skips lines it has.
                if let firstRejection { refused.append(Refusal(place: push.places[i], id: push.ids[i], error: firstRejection)) }
            case .rejected(let error):
                checkpoint.rejected += 1
                refused.append(Refusal(place: push.places[i], id: push.ids[i], error: error))
            }
        }
        // In the order of the source: files by name, lines by number.
        for entry in refused.sorted(by: { ($0.place.file, $0.place.line) < ($1.place.file, $1.place.line) }) {
            try rejects.write(file: entry.place.file, line: entry.place.line, id: entry.id, error: entry.error)
        }
        TestCrash.at("rejects")
        for (name, position) in push.positions { checkpoint.files[name] = position }
        checkpoint.rejectsBytes = rejects.size
        if let checkpointPath { try checkpoint.save(checkpointPath) }
        if reportsEvents {
            progress.acknowledged(events: checkpoint.applied + checkpoint.duplicate + checkpoint.rejected, rejected: checkpoint.rejected)
        }
    }
}
