import CRMClient
import CRMCommandLine

/// One pass of `push` over the source, from the checkpoint: returns at the end of the data (or,
/// following, at a stop signal) once every push is acknowledged; throws on failures for the
/// caller to retry from the checkpoint. The batcher reads and sends in this task; the
/// acknowledger takes the answers in a child task; the in-flight window is between them.
struct PushPass {
    let options: Push
    let sources: SourceSet
    let decoders: SourceDecoders
    let progress: Progress
    let acknowledger: Acknowledger

    /// Runs the pass; answers the events read.
    func run() async throws -> Int {
        let client = options.dryRun ? nil : try await options.connection.connect(client: "store-sync/0.2")
        let connection = PushConnection(client: client, shop: options.shop)
        do {
            let events = try await pipeline(connection)
            await connection.close()
            return events
        } catch {
            await connection.close()
            throw error
        }
    }

    private func pipeline(_ connection: PushConnection) async throws -> Int {
        let window = InFlightWindow(limit: options.inFlight)
        let (pushes, sent) = AsyncStream.makeStream(of: SentPush.self)
        var batcher = Batcher(
            limits: options.limits, sources: sources, decoders: decoders, progress: progress,
            from: await acknowledger.checkpoint.files)
        let acknowledger = acknowledger
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await acknowledger.acknowledge(pushes, leaving: window) }
            do {
                try await batcher.run(into: PassSink(window: window, connection: connection, sent: sent, acknowledger: acknowledger))
            } catch {
                sent.finish()
                // Answers still awaited fail at once, so the acknowledger stops without them.
                await connection.close()
                throw error
            }
            sent.finish()
            try await group.waitForAll()
            return batcher.eventsRead
        }
    }
}

/// The batcher's sink in a pass: a batch waits for room in the window, is pushed, and goes on to
/// the acknowledger in the order sent.
private struct PassSink: BatchSink {
    let window: InFlightWindow
    let connection: PushConnection
    let sent: AsyncStream<SentPush>.Continuation
    let acknowledger: Acknowledger

    func send(_ batch: Batch) async throws {
        try await window.enter()
        sent.yield(try connection.send(batch))
    }

    func settle() async throws {
        try await window.drained()
    }

    func filesPresent(_ names: Set<String>) async {
        await acknowledger.forget(filesNotIn: names)
    }
}
