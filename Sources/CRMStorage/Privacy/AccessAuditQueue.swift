import CRMPostgres
import Foundation
import Synchronization

/// Access-audit rows of reads, written a few milliseconds after the read in one transaction per
/// batch, so that a read of unmasked data pays no statement of its own (a `member.get` is a few
/// statements; one more insert and commit cost it a third of its time). A row is queued before the
/// read's answer is sent; the queue is written within `delay`, at shutdown (`flush`), and before
/// `audit.list` reads. What a crash of crmd itself (SIGKILL) loses: the rows of the last `delay`.
/// When the queue cannot be written (the database is away) it holds up to `maxPending` rows, then
/// reads fail rather than go unrecorded.
public final class AccessAuditQueue: Sendable {
    struct Row: Sendable {
        var at: String
        var tokenID: Int64?
        var method: String
        var fields: [String]
        var members: [Int64]
    }
    private struct State {
        var rows: [Row] = []
        var scheduled = false
    }
    private let pool: PostgresPool
    private let state = Mutex(State())
    /// How long a row waits for the rows after it.
    static let delay = Duration.milliseconds(20)
    /// How long a batch that could not be written waits before it is tried again.
    static let retryDelay = Duration.seconds(1)
    /// Rows held at most while they cannot be written.
    public static let maxPending = 10_000

    init(pool: PostgresPool) { self.pool = pool }

    /// Queues one row; throws `AccessAuditBacklog` when `maxPending` rows wait already.
    func enqueue(tokenID: Int64?, method: String, fields: [String], members: [Int64]) throws {
        let row = Row(at: Self.timestamp(), tokenID: tokenID, method: method, fields: fields, members: members)
        let schedule: Bool = try state.withLock { s in
            guard s.rows.count < Self.maxPending else { throw AccessAuditBacklog() }
            s.rows.append(row)
            if s.scheduled { return false }
            s.scheduled = true
            return true
        }
        if schedule { self.schedule(after: Self.delay) }
    }

    private func schedule(after delay: Duration) {
        Task {
            try? await Task.sleep(for: delay)
            let written = (try? await self.write()) != nil
            let again: Bool = state.withLock { s in
                s.scheduled = !s.rows.isEmpty
                return s.scheduled
            }
            if again { self.schedule(after: written ? Self.delay : Self.retryDelay) }
        }
    }

    /// Writes every queued row now (shutdown, and before the audit is listed).
    public func flush() async throws { try await write() }

    /// Takes the queued rows and writes them in one transaction; on failure they go back to the
    /// front of the queue.
    private func write() async throws {
        let rows = state.withLock { s in
            let taken = s.rows
            s.rows = []
            return taken
        }
        guard !rows.isEmpty else { return }
        do {
            try await pool.withTransaction { c in
                try c.queryPrepared("SELECT set_config('synchronous_commit', 'off', true)", [])
                for row in rows {
                    try AccessAudit.insert(c, at: row.at, tokenID: row.tokenID, method: row.method, fields: row.fields, members: row.members)
                }
            }
        } catch {
            state.withLock { s in s.rows = Array((rows + s.rows).prefix(Self.maxPending)) }
            throw error
        }
    }

    private static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }
}

/// More access-audit rows wait than crmd holds: the read is refused rather than left unrecorded.
public struct AccessAuditBacklog: Error, CustomStringConvertible {
    public var description: String { "the access audit cannot be written (more than \(AccessAuditQueue.maxPending) rows wait); reads of personal data are refused" }
}
