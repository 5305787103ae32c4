import CRMClient
import CRMDomain
import CRMPostgres
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn`, its output in a log file, that a test can signal
/// and wait for without blocking Swift's cooperative threads.
final class SpawnedProcess: @unchecked Sendable {
    let pid: pid_t
    let logPath: String
    private var exitStatus: Int32?

    init(_ path: String, _ arguments: [String], environment: [String: String]) throws {
        logPath = NSTemporaryDirectory() + "crm-child-\(UUID().uuidString.prefix(8)).log"
        let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "cannot open \(logPath)")
        defer { close(fd) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, 1)
        posix_spawn_file_actions_adddup2(&actions, fd, 2)
        // The in-process servers of other tests have connections open: a child holding their
        // sockets would keep a connection the server closed open for the client.
        InheritedDescriptors.closeAbove2(&actions)
        var env = ProcessInfo.processInfo.environment
        for key in ["CRM_SERVER", "CRM_TOKEN", "CRM_DATABASE_URL", "CRM_ADMIN_TOKEN", "CRM_LISTEN", "CRM_DATA_DIR"] { env[key] = nil }
        for (k, v) in environment { env[k] = v }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        self.pid = pid
    }

    func signal(_ number: Int32) { kill(pid, number) }

    /// The exit status once the process ends (128+N for signal N), or `nil` after `timeout` seconds.
    func wait(timeout: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        // Looked at once more after the deadline: on a busy machine the sleep can overrun it, and a
        // process that ended meanwhile has ended within the time.
        while true {
            if let status = exitedStatus() { return status }
            if Date() >= deadline { return nil }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    /// The exit status if the process has ended, without waiting.
    func exitedStatus() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        let sig = status & 0x7F
        exitStatus = sig == 0 ? (status >> 8) & 0xFF : 128 + sig
        return exitStatus
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Makes sure the process is gone (tests call this on every path).
    func kill9() async {
        if exitStatus == nil {
            signal(SIGKILL)
            _ = await wait(timeout: 10)
        }
        unlink(logPath)
    }
}

/// crmd stopped before answering; `portTaken` when its listening port was in use.
struct CRMDExited: Error, CustomStringConvertible {
    var description: String
    var portTaken: Bool
}

/// Starts `crmd serve` on a free port and waits until it answers `server.health`.
func startCRMD(arguments: [String], environment: [String: String], port: Int) async throws -> SpawnedProcess {
    let process = try SpawnedProcess(Binaries.path("crmd"), ["serve", "--listen", "127.0.0.1:\(port)"] + arguments, environment: environment)
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline {
        if let connection = try? RawConnection(port: port) {
            connection.send(#"{"jsonrpc":"2.0","method":"server.health","id":1}"# + "\n")
            if await connection.readJSON(timeout: 5)?["result"] != nil { return process }
        }
        if let status = await process.wait(timeout: 0.2) {
            let log = process.log
            throw CRMDExited(description: "crmd exited with \(status):\n\(log)", portTaken: log.contains("Address already in use"))
        }
    }
    let log = process.log
    await process.kill9()
    struct NeverReady: Error, CustomStringConvertible { var description: String }
    throw NeverReady(description: "crmd did not answer within 120 s:\n\(log)")
}

/// A `crmd serve` process over a test database, with an admin token and shop `sh01` made.
struct RunningCRMD {
    let process: SpawnedProcess
    let port: Int
    let adminToken: String

    /// Environment for a client process talking to this crmd with `token`.
    func clientEnvironment(token: String) -> [String: String] { ["CRM_SERVER": "127.0.0.1:\(port)", "CRM_TOKEN": token] }

    /// Starts `crmctl arguments` as an admin against this crmd and kills crmd with SIGKILL inside the
    /// transaction that takes `progress` (a count over the database) to `atLeast`; returns the
    /// client, whose end the caller checks (it lost its server midway).
    ///
    /// A test trigger on `table` (the table that transaction writes) sleeps there, and crmd is killed
    /// while it sleeps: however busy the machine, the run can neither finish between a look at its
    /// progress and the kill, nor commit the batch it was in. The trigger is gone when this returns.
    func killMidway(of arguments: [String], db: TestDatabase, table: String, when progress: String, reaches atLeast: Int) async throws -> SpawnedProcess {
        try db.withConnection { c in
            _ = try c.query(
                """
                CREATE FUNCTION crm_test_pause() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF (\(progress)) >= \(atLeast) THEN PERFORM pg_sleep(600); END IF;
                    RETURN NULL;
                END $$
                """)
            _ = try c.query("CREATE TRIGGER crm_test_pause AFTER INSERT OR UPDATE ON \(table) FOR EACH STATEMENT EXECUTE FUNCTION crm_test_pause()")
        }
        let client = try SpawnedProcess(Binaries.path("crmctl"), arguments, environment: clientEnvironment(token: adminToken))
        let sleepers = "FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep' AND pid <> pg_backend_pid()"
        var paused = 0
        let deadline = Date().addingTimeInterval(300)
        while paused == 0 && Date() < deadline && client.exitedStatus() == nil {
            paused = try await db.scalar("SELECT count(*) " + sleepers)
            if paused == 0 { try await Task.sleep(nanoseconds: 5_000_000) }
        }
        process.signal(SIGKILL)
        _ = await process.wait(timeout: 10)
        try db.withConnection { c in
            _ = try c.query("SELECT pg_terminate_backend(pid) " + sleepers)
            _ = try c.query("DROP TRIGGER crm_test_pause ON \(table)")
            _ = try c.query("DROP FUNCTION crm_test_pause()")
        }
        #expect(paused > 0, "the run never reached \(atLeast) (\(progress)): \(client.log)")
        return client
    }

    /// An admin connection (hello done); close it when finished.
    func adminClient() async throws -> RPCClient {
        let client = try await RPCClient.connect(host: "127.0.0.1", port: port)
        _ = try await client.call("session.hello", ["token": .string(adminToken)])
        return client
    }

    static func start(_ db: TestDatabase) async throws -> RunningCRMD {
        var port = freePort()
        let admin = AccessToken.generate()
        var started: SpawnedProcess? = nil
        // Another test may take the port between the check and crmd's bind: try another.
        for attempt in 1...5 {
            do {
                started = try await startCRMD(arguments: ["--database-url", db.connectionString], environment: ["CRM_ADMIN_TOKEN": admin], port: port)
                break
            } catch let error as CRMDExited where error.portTaken && attempt < 5 {
                port = freePort()
            }
        }
        guard let process = started else { preconditionFailure("crmd started or threw") }
        let running = RunningCRMD(process: process, port: port, adminToken: admin)
        let client = try await running.adminClient()
        _ = try await client.call("shop.create", ["code": "sh01"])
        await client.close()
        return running
    }
}

/// A fresh temporary directory for `body`, removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = NSTemporaryDirectory() + "crm-test-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(directory)
}
