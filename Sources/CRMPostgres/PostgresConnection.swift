import CLibPQ
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection. It owns its `PGconn` (always finished) and every `PGresult` it receives
/// (always cleared). All calls block, so it is used from one thread at a time, off any event loop:
/// `PostgresPool` enforces both.
public final class PostgresConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// Set once the connection is known to be unusable; the pool then discards it.
    public private(set) var isBroken = false
    /// Through a transaction-mode pooler: no named statements, the timeout set per transaction.
    public let pooler: PoolerMode
    private let statementTimeoutMilliseconds: Int

    // Cancellation, the one part used from other threads: under `cancelLock`. The `PGcancel` is
    // made on the connection's thread when it connects; `PQcancel` may then use it from any thread.
    private let cancelLock = NIOLock()
    private var cancelObject: OpaquePointer?
    private var cancelRequested = false
    private var statementRunning = false

    /// Opens a connection, blocking until it is made or fails.
    public init(configuration: PostgresConfiguration) throws(PostgresError) {
        let pairs = configuration.keywordValues
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        var keywordPointers: [UnsafePointer<CChar>?] = keywords.map { UnsafePointer($0) } + [nil]
        var valuePointers: [UnsafePointer<CChar>?] = values.map { UnsafePointer($0) } + [nil]
        let connection = keywordPointers.withUnsafeMutableBufferPointer { k in
            valuePointers.withUnsafeMutableBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 1)
            }
        }
        guard let connection else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            throw PoolerMode.explained(PostgresError(kind: .connection, message: message.isEmpty ? "connection failed" : message))
        }
        PQsetNoticeReceiver(connection, { _, _ in }, nil)
        self.handle = connection
        self.cancelObject = PQgetCancel(connection)
        self.pooler = configuration.pooler
        self.statementTimeoutMilliseconds = configuration.statementTimeoutMilliseconds
    }

    deinit {
        if let cancelObject { PQfreeCancel(cancelObject) }
        if let handle { PQfinish(handle) }
    }

    /// Closes the connection now; later calls fail.
    public func close() {
        cancelLock.withLock {
            if let cancelObject { PQfreeCancel(cancelObject) }
            cancelObject = nil
        }
        if let handle { PQfinish(handle) }
        handle = nil
        isBroken = true
    }

    /// Marks the connection unusable, so that the pool closes it instead of reusing it.
    public func markBroken() { isBroken = true }

    /// Whether the connection may serve another caller: not broken and never cancelled (a cancelled
    /// one may be inside a failed transaction; closing it is what rolls that back).
    public var isReusable: Bool { !isBroken && !cancelLock.withLock { cancelRequested } }

    /// Stops this connection's work, from any thread: the statement running now is cancelled on
    /// the server (`PQcancel`) and every later statement fails with `.cancelled` at once, so a
    /// transaction in progress can neither go on nor commit. Returns whether a statement was running.
    /// (A cancel that reaches the server just before the statement does is lost, as libpq's are.)
    @discardableResult
    public func cancel() -> Bool {
        cancelLock.withLock {
            cancelRequested = true
            guard statementRunning, let cancelObject else { return false }
            var message = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancelObject, &message, Int32(message.count))
            return true
        }
    }

    /// Runs one libpq statement call, marked as running for `cancel`; after a cancel, fails with `.cancelled`.
    private func statement<T>(_ body: () throws(PostgresError) -> T) throws(PostgresError) -> T {
        let refused = cancelLock.withLock { () -> Bool in
            if cancelRequested { return true }
            statementRunning = true
            return false
        }
        if refused { throw PostgresError(kind: .cancelled, message: "the connection's work was cancelled") }
        defer { cancelLock.withLock { statementRunning = false } }
        do throws(PostgresError) {
            return try body()
        } catch {
            guard cancelLock.withLock({ cancelRequested }) else { throw error }
            var cancelled = error
            cancelled.kind = .cancelled
            throw cancelled
        }
    }

    /// The server's version number (e.g. 150018).
    public var serverVersion: Int {
        guard let handle else { return 0 }
        return Int(PQserverVersion(handle))
    }

    /// Checks without blocking whether the server has closed the connection while it sat idle
    /// (a restart, an administrator's kill). Costs one `poll` and no round trip.
    public func isStillUsable() -> Bool {
        guard let handle, !isBroken, PQstatus(handle) == CONNECTION_OK else { return false }
        let socket = PQsocket(handle)
        guard socket >= 0 else { return false }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, 0)
        if ready != 0 {
            // Nothing is sent unprompted to an idle session of ours (no LISTEN, notices off): data,
            // EOF or an error here is the server saying goodbye (restart, terminate, idle timeout).
            isBroken = true
            return false
        }
        return true
    }

    /// Runs one statement with parameters (`$1`, `$2`, …) and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresValue] = []) throws(PostgresError) -> PostgresResult {
        guard let handle, !isBroken else {
            throw PostgresError(kind: .connection, message: "connection is closed")
        }
        return try statement { () throws(PostgresError) in
            let result = Self.withParameters(parameters) { count, values, lengths, formats in
                PQexecParams(handle, sql, count, nil, values, lengths, formats, 0)
            }
            return try consume(result)
        }
    }

    /// The most statements one connection keeps prepared; past it, statements run unprepared.
    public static let maxPreparedStatements = 256
    /// Statement text → its prepared name on this connection.
    private var prepared: [String: String] = [:]

    /// Like `query`, but the statement is parsed once per connection and kept (named prepared
    /// statements outlive transactions, including failed ones). For the statements a hot path runs
    /// again and again with different parameters. Through a transaction-mode pooler, the statement
    /// the next call names could be on another server connection: there it runs as `query` does.
    @discardableResult
    public func queryPrepared(_ sql: String, _ parameters: [PostgresValue]) throws(PostgresError) -> PostgresResult {
        guard let handle, !isBroken else {
            throw PostgresError(kind: .connection, message: "connection is closed")
        }
        if pooler == .transaction { return try query(sql, parameters) }
        do throws(PostgresError) {
            return try runPrepared(handle, sql, parameters)
        } catch {
            let explained = PoolerMode.explained(error)
            // Its statements are not where this connection thinks they are: no later call may rely on them.
            if explained.message != error.message { isBroken = true }
            throw explained
        }
    }

    private func runPrepared(_ handle: OpaquePointer, _ sql: String, _ parameters: [PostgresValue]) throws(PostgresError) -> PostgresResult {
        var name = prepared[sql]
        if name == nil, prepared.count < Self.maxPreparedStatements {
            let candidate = "crm_\(prepared.count + 1)"
            _ = try statement { () throws(PostgresError) in try consume(PQprepare(handle, candidate, sql, Int32(parameters.count), nil)) }
            prepared[sql] = candidate
            name = candidate
        }
        guard let name else { return try query(sql, parameters) }
        return try statement { () throws(PostgresError) in
            let result = Self.withParameters(parameters) { count, values, lengths, formats in
                PQexecPrepared(handle, name, count, values, lengths, formats, 0)
            }
            return try consume(result)
        }
    }

    /// Calls `body` with libpq's parameter arrays: text for everything but bytes, sent binary.
    private static func withParameters(
        _ parameters: [PostgresValue],
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, [Int32], [Int32]) -> OpaquePointer?
    ) -> OpaquePointer? {
        let count = parameters.count
        precondition(count <= 65_535, "PostgreSQL accepts at most 65535 parameters")
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        buffers.reserveCapacity(count)
        var lengths: [Int32] = []
        var formats: [Int32] = []
        defer { buffers.forEach { free($0) } }
        for parameter in parameters {
            if case .bytes(let bytes) = parameter {
                let copy = malloc(max(bytes.count, 1))!
                bytes.withUnsafeBytes { source in
                    if let base = source.baseAddress { copy.copyMemory(from: base, byteCount: bytes.count) }
                }
                buffers.append(copy.assumingMemoryBound(to: CChar.self))
                lengths.append(Int32(bytes.count))
                formats.append(1)
            } else if let text = parameter.textBytes {
                let copy = malloc(text.count)!
                text.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: text.count) }
                buffers.append(copy.assumingMemoryBound(to: CChar.self))
                lengths.append(0)
                formats.append(0)
            } else {
                buffers.append(nil)
                lengths.append(0)
                formats.append(0)
            }
        }
        return buffers.withUnsafeBufferPointer { valuesBuffer in
            valuesBuffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                body(Int32(count), values.baseAddress, lengths, formats)
            }
        }
    }

    /// Runs a script of several statements with no parameters (migrations); returns nothing.
    public func execute(script sql: String) throws(PostgresError) {
        guard let handle, !isBroken else {
            throw PostgresError(kind: .connection, message: "connection is closed")
        }
        _ = try statement { () throws(PostgresError) in try consume(PQexec(handle, sql)) }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    @discardableResult
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        if pooler == .transaction {
            // The server connection is ours only until COMMIT: the timeout goes with the transaction,
            // in the same round trip as BEGIN.
            try execute(script: "BEGIN; SET LOCAL statement_timeout = \(statementTimeoutMilliseconds)")
        } else {
            try query("BEGIN")
        }
        do {
            let value = try body(self)
            try query("COMMIT")
            return value
        } catch {
            if !isBroken { _ = try? query("ROLLBACK") }
            throw error
        }
    }

    private func consume(_ result: OpaquePointer?) throws(PostgresError) -> PostgresResult {
        guard let handle else { throw PostgresError(kind: .connection, message: "connection is closed") }
        guard let result else {
            isBroken = PQstatus(handle) != CONNECTION_OK
            throw PostgresError(kind: .connection, message: Self.trimmed(PQerrorMessage(handle)))
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(rows: [], affectedRows: Self.affected(result))
        case PGRES_TUPLES_OK:
            let rowCount = Int(PQntuples(result))
            let columnCount = Int(PQnfields(result))
            let columns = PostgresColumns(names: (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) })
            var rows: [PostgresRow] = []
            rows.reserveCapacity(rowCount)
            for r in 0..<rowCount {
                var fields: [String?] = []
                fields.reserveCapacity(columnCount)
                for c in 0..<columnCount {
                    if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                        fields.append(nil)
                    } else {
                        let length = Int(PQgetlength(result, Int32(r), Int32(c)))
                        let pointer = PQgetvalue(result, Int32(r), Int32(c))!
                        let text = pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
                            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                        }
                        fields.append(text)
                    }
                }
                rows.append(PostgresRow(columns: columns, fields: fields))
            }
            return PostgresResult(rows: rows, affectedRows: Self.affected(result) ?? rowCount)
        default:
            let sqlState = Self.field(result, "C")
            let message = Self.field(result, "M") ?? Self.trimmed(PQresultErrorMessage(result))
            let error = PostgresError(
                kind: sqlState == "57014" ? .timeout : .server,
                message: message,
                sqlState: sqlState,
                detail: Self.field(result, "D"),
                constraint: Self.field(result, "n")
            )
            // An error without SQLSTATE is libpq's own, not the server's: the connection failed
            // (the server went away mid-statement), even when libpq has not marked it bad yet.
            if PQstatus(handle) != CONNECTION_OK || sqlState == nil {
                isBroken = true
                return try failConnection(error)
            }
            throw error
        }
    }

    private func failConnection(_ error: PostgresError) throws(PostgresError) -> PostgresResult {
        var lost = error
        lost.kind = .connection
        throw lost
    }

    private static func affected(_ result: OpaquePointer) -> Int? {
        guard let text = PQcmdTuples(result) else { return nil }
        return Int(String(cString: text))
    }

    private static func field(_ result: OpaquePointer, _ code: Character) -> String? {
        guard let ascii = code.asciiValue, let pointer = PQresultErrorField(result, Int32(ascii)) else { return nil }
        return String(cString: pointer)
    }

    private static func trimmed(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer).trimmingTrailingWhitespace()
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
