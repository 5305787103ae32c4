import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// A bounded pool of libpq connections. Blocking libpq calls run on the pool's own threads
/// (an `NIOThreadPool`, one thread per connection), never on an event loop or the cooperative
/// executor. Callers beyond the connection limit wait in a bounded queue; beyond that they are
/// refused at once so that load sheds instead of piling up (postgres-nio's pool in spirit).
public final class PostgresPool: Sendable {
    /// Limits of the pool.
    public struct Limits: Sendable {
        /// Most connections open at once.
        public var maxConnections: Int
        /// Most callers waiting for a connection; one more is refused with `.poolExhausted`.
        public var maxWaiters: Int
        /// Longest a caller waits for a connection before `.poolExhausted`.
        public var acquireTimeoutSeconds: Double

        public init(maxConnections: Int = 10, maxWaiters: Int = 1_000, acquireTimeoutSeconds: Double = 10) {
            precondition(maxConnections > 0 && maxConnections <= 1_000, "maxConnections must be in 1...1000")
            precondition(maxWaiters >= 0, "maxWaiters must not be negative")
            precondition(acquireTimeoutSeconds > 0, "acquireTimeoutSeconds must be positive")
            self.maxConnections = maxConnections
            self.maxWaiters = maxWaiters
            self.acquireTimeoutSeconds = acquireTimeoutSeconds
        }
    }

    /// A snapshot of the pool's use, for `server.stats` and metrics.
    public struct Statistics: Sendable {
        public var open: Int
        public var idle: Int
        public var inUse: Int
        public var waiting: Int
        public var maxConnections: Int
        public var connectionsOpened: Int
        public var connectionsDiscarded: Int
        public var refused: Int
    }

    private enum Grant {
        case connection(PostgresConnection)
        /// Permission to open a new connection (a slot was freed).
        case slot

        var isSlot: Bool {
            if case .slot = self { return true }
            return false
        }
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Grant, any Error>
    }

    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var closed = false
        var opened = 0
        var discarded = 0
        var refused = 0
    }

    public let configuration: PostgresConfiguration
    public let limits: Limits
    private let state = NIOLockedValueBox(State())
    private let threads: NIOThreadPool
    private let logger: Logger

    public init(configuration: PostgresConfiguration, limits: Limits = Limits(), logger: Logger = Logger(label: "crm.postgres")) {
        self.configuration = configuration
        self.limits = limits
        self.logger = logger
        self.threads = NIOThreadPool(numberOfThreads: limits.maxConnections)
        threads.start()
    }

    /// The connection a caller leased, and whether the caller's task was cancelled (either may come first).
    private struct Lease {
        var connection: PostgresConnection?
        var cancelled = false
    }

    /// Leases a connection, runs `body` with it on a pool thread, and returns the connection
    /// (or discards it if it broke). Everything `body` does is synchronous libpq work. Cancelling
    /// the calling task cancels that work (`PostgresConnection.cancel`): the statement running
    /// stops, `body` fails with `.cancelled`, and the connection is discarded, rolling back its
    /// transaction — so a shutdown never waits on a statement stuck behind a lock.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let grant = try await acquire()
        let configuration = self.configuration
        let lease = NIOLockedValueBox(Lease())
        let logger = self.logger
        do {
            let value = try await withTaskCancellationHandler {
                try await runLeased(grant, configuration: configuration, lease: lease, body)
            } onCancel: {
                let connection = lease.withLockedValue { l -> PostgresConnection? in
                    l.cancelled = true
                    return l.connection
                }
                if let connection, connection.cancel() {
                    logger.notice("cancelled a database statement in progress: its request was cancelled")
                }
            }
            release(lease.withLockedValue { $0.connection }, newlyOpened: grant.isSlot)
            return value
        } catch {
            let connection = lease.withLockedValue { $0.connection }
            // A read-only server behind a read-write connection: the primary moved. Keeping the
            // connection would send every later write to the same standby.
            if let pg = error as? PostgresError, pg.isReadOnlyServer, let connection {
                logger.warning("the database refused a write as read-only: discarding the connection", metadata: ["error": "\(pg)"])
                connection.markBroken()
            }
            release(connection, newlyOpened: grant.isSlot)
            throw error
        }
    }

    /// `withConnection`'s work on a pool thread: opens or checks the granted connection, makes it
    /// known to the cancellation handler, and runs `body`.
    private func runLeased<T: Sendable>(
        _ grant: Grant, configuration: PostgresConfiguration, lease: NIOLockedValueBox<Lease>,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await threads.runIfActive { () throws -> T in
            let connection: PostgresConnection
            switch grant {
            case .connection(let existing) where existing.isStillUsable():
                connection = existing
            case .connection(let stale):
                // The server closed it while idle (restart, terminate): replace it.
                stale.close()
                self.state.withLockedValue { $0.discarded += 1 }
                connection = try PostgresConnection(configuration: configuration)
            case .slot:
                connection = try PostgresConnection(configuration: configuration)
            }
            let cancelled = lease.withLockedValue { l -> Bool in
                l.connection = connection
                return l.cancelled
            }
            if cancelled { connection.cancel() }
            return try body(connection)
        }
    }

    /// Runs `body` inside a transaction on a leased connection.
    public func withTransaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { connection in try connection.transaction(body) }
    }

    public var statistics: Statistics {
        state.withLockedValue { s in
            Statistics(
                open: s.open, idle: s.idle.count, inUse: s.open - s.idle.count, waiting: s.waiters.count,
                maxConnections: limits.maxConnections, connectionsOpened: s.opened,
                connectionsDiscarded: s.discarded, refused: s.refused)
        }
    }

    /// Stops handing out connections, fails waiters, closes idle connections; connections in use
    /// close when they come back. Call once.
    public func close() async {
        let (idle, waiters) = state.withLockedValue { s -> ([PostgresConnection], [Waiter]) in
            s.closed = true
            let idle = s.idle
            s.open -= idle.count
            s.idle = []
            let waiters = s.waiters
            s.waiters = []
            return (idle, waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(kind: .poolClosed, message: "the database pool is closed"))
        }
        try? await threads.runIfActive { idle.forEach { $0.close() } }
        try? await threads.shutdownGracefully()
    }

    private func acquire() async throws -> Grant {
        enum Immediate { case grant(Grant), wait(UInt64), refuse(PostgresError) }
        // Decide and enqueue under one lock hold, so a release cannot slip in between.
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
            let decision = state.withLockedValue { s -> Immediate in
                if s.closed { return .refuse(PostgresError(kind: .poolClosed, message: "the database pool is closed")) }
                if let connection = s.idle.popLast() { return .grant(.connection(connection)) }
                if s.open < limits.maxConnections {
                    s.open += 1
                    return .grant(.slot)
                }
                if s.waiters.count >= limits.maxWaiters {
                    s.refused += 1
                    return .refuse(
                        PostgresError(
                            kind: .poolExhausted,
                            message: "all \(limits.maxConnections) database connections are busy and \(limits.maxWaiters) callers are waiting"))
                }
                let id = s.nextWaiterID
                s.nextWaiterID += 1
                s.waiters.append(Waiter(id: id, continuation: continuation))
                return .wait(id)
            }
            switch decision {
            case .grant(let grant): continuation.resume(returning: grant)
            case .refuse(let error): continuation.resume(throwing: error)
            case .wait(let id): scheduleTimeout(for: id)
            }
        }
    }

    private func scheduleTimeout(for id: UInt64) {
        let seconds = limits.acquireTimeoutSeconds
        Task { [weak self] in
            try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
            guard let self else { return }
            let waiter = self.state.withLockedValue { s -> Waiter? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                s.refused += 1
                return s.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: PostgresError(kind: .poolExhausted, message: "no database connection became free within \(seconds) s"))
        }
    }

    private func release(_ connection: PostgresConnection?, newlyOpened: Bool) {
        let usable = connection.map { $0.isReusable } ?? false
        let handoff = state.withLockedValue { s -> (Waiter, Grant)? in
            if newlyOpened, connection != nil { s.opened += 1 }
            if !usable || s.closed {
                // The slot is free again: give it to a waiter, who opens a fresh connection.
                if connection != nil { s.discarded += 1 }
                if !s.closed, !s.waiters.isEmpty { return (s.waiters.removeFirst(), .slot) }
                s.open -= 1
                return nil
            }
            if !s.waiters.isEmpty { return (s.waiters.removeFirst(), .connection(connection!)) }
            s.idle.append(connection!)
            return nil
        }
        if (!usable || state.withLockedValue({ $0.closed })), let connection {
            if connection.isBroken == false { logger.debug("closing connection returned to a closed pool") }
            connection.close()
        }
        if let (waiter, grant) = handoff { waiter.continuation.resume(returning: grant) }
    }
}
