import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private PostgreSQL cluster that crmd (or a test) creates and runs under a directory of its
/// own: `initdb` once, then `pg_ctl start`/`stop`, listening on a Unix socket only. When the
/// caller is root the database server runs as the `postgres` system user, since PostgreSQL
/// refuses to run as root.
public struct LocalCluster: Sendable {
    /// Why a private cluster could not be set up or driven.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Directory holding the cluster's files: `data/` (PGDATA), `run/` (socket), `postgres.log`.
    public let root: String
    /// Where `initdb`, `pg_ctl` and `postgres` live.
    public let binDirectory: String
    /// The port number, which for a socket-only cluster only names the socket file.
    public let port: Int
    /// Database superuser the cluster is created with.
    public let user = "crm"
    /// Extra `postgresql.conf` settings written at creation (tests turn fsync off, for example).
    public let settings: [String: String]
    /// The system user the server runs as when we are root.
    private let serverUser: String?

    public var dataDirectory: String { root + "/data" }
    public var socketDirectory: String { root + "/run" }
    public var logFile: String { root + "/postgres.log" }

    /// Prepares (without creating anything yet) a cluster under `directory/postgres`.
    /// Fails, naming the Debian package, when PostgreSQL's server programs are not installed.
    public init(directory: String, port: Int = 5432, settings: [String: String] = [:]) throws(Failure) {
        precondition(port > 0 && port < 65_536, "port out of range")
        guard let bin = Self.findBinDirectory() else {
            throw Failure(
                description:
                    "PostgreSQL's server programs (initdb, pg_ctl) were not found. Install them with `apt-get install postgresql` (Debian package `postgresql`), or give crmd a database with --database-url / CRM_DATABASE_URL."
            )
        }
        self.binDirectory = bin
        self.port = port
        self.settings = settings
        self.serverUser = geteuid() == 0 ? "postgres" : nil
        var root = Self.absolute(directory) + "/postgres"
        // A Unix socket path has at most 107 bytes; fall back to a short private directory.
        if (root + "/run/.s.PGSQL.\(port)").utf8.count > 100 {
            root = "/tmp/crmd-\(Self.shortHash(root))"
        }
        self.root = root
    }

    /// libpq connection string for `database` on this cluster.
    public func connectionString(database: String) -> String {
        "host=\(socketDirectory) port=\(port) user=\(user) dbname=\(database)"
    }

    /// True when `initdb` has already run here.
    public var isInitialized: Bool {
        FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION")
    }

    /// Creates the cluster if it does not exist yet.
    public func initializeIfNeeded() throws(Failure) {
        try prepareDirectories()
        guard !isInitialized else { return }
        try run("initdb", ["-D", dataDirectory, "-U", user, "--auth=trust", "--encoding=UTF8", "--locale=C"], what: "initdb")
        var conf = "\n# Written by crmd: a private, socket-only cluster.\n"
        conf += "listen_addresses = ''\n"
        conf += "unix_socket_directories = '\(socketDirectory)'\n"
        conf += "unix_socket_permissions = 0700\n"
        conf += "port = \(port)\n"
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) { conf += "\(key) = \(value)\n" }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dataDirectory + "/postgresql.conf"))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(conf.utf8))
            try handle.close()
        } catch {
            throw Failure(description: "could not write postgresql.conf: \(error)")
        }
    }

    /// True when a server is running on this cluster's data directory.
    public func isRunning() -> Bool {
        (try? run("pg_ctl", ["status", "-D", dataDirectory], what: "pg_ctl status")) != nil
    }

    /// Starts the server and waits until it accepts connections. Returns false when it was
    /// already running (someone else owns stopping it).
    @discardableResult
    public func start() throws(Failure) -> Bool {
        try initializeIfNeeded()
        if isRunning() { return false }
        try run("pg_ctl", ["start", "-D", dataDirectory, "-l", logFile, "-w", "-t", "60"], what: "pg_ctl start")
        return true
    }

    /// Stops the server (fast shutdown: sessions are disconnected, work is not lost).
    public func stop() throws(Failure) {
        guard isRunning() else { return }
        try run("pg_ctl", ["stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60"], what: "pg_ctl stop")
    }

    /// Restarts the server (used by tests of reconnection).
    public func restart() throws(Failure) {
        try run("pg_ctl", ["restart", "-D", dataDirectory, "-l", logFile, "-m", "fast", "-w", "-t", "60"], what: "pg_ctl restart")
    }

    private func prepareDirectories() throws(Failure) {
        let fm = FileManager.default
        do {
            // Parents stay traversable (the server may run as another user); the cluster itself is private.
            let parent = (root as NSString).deletingLastPathComponent
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            try fm.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try fm.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw Failure(description: "could not create \(root): \(error)")
        }
        guard let serverUser else { return }
        guard let account = getpwnam(serverUser) else {
            throw Failure(
                description: "running as root, but there is no '\(serverUser)' system user to run PostgreSQL as (it comes with the Debian package `postgresql`)"
            )
        }
        let uid = account.pointee.pw_uid
        let gid = account.pointee.pw_gid
        for path in [root, socketDirectory] + ((try? fm.subpathsOfDirectory(atPath: root)) ?? []).map({ root + "/" + $0 }) {
            if chown(path, uid, gid) != 0, path == root {
                throw Failure(description: "could not hand \(root) to the \(serverUser) user: \(String(cString: strerror(errno)))")
            }
        }
        // The server user must be able to reach the directory through every parent.
        if (try? run("test", ["-w", root], what: "access check", lookInBin: false)) == nil {
            throw Failure(
                description:
                    "the \(serverUser) user cannot reach \(root) (a parent directory is closed to it); choose a data directory it can traverse with --data-dir / CRM_DATA_DIR, e.g. under /var/lib/crmd"
            )
        }
    }

    @discardableResult
    private func run(_ program: String, _ arguments: [String], what: String, lookInBin: Bool = true) throws(Failure) -> String {
        let executable = lookInBin ? binDirectory + "/" + program : "/usr/bin/env"
        var argv = lookInBin ? arguments : [program] + arguments
        var launch = executable
        if let serverUser {
            argv = ["-u", serverUser, "--", executable] + argv
            launch = FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser"
        }
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        // Output goes to a file, not a pipe: the postmaster inherits descriptors and would hold a pipe open.
        let outputPath = NSTemporaryDirectory() + "crmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out"
        defer { unlink(outputPath) }
        let status: Int32
        do {
            status = try ChildProcess.run(launch, argv, directory: root, outputPath: outputPath, environment: environment)
        } catch {
            throw Failure(description: "\(what): \(error)")
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            var message = "\(what) failed (exit \(status)): \(text.trimmingTrailingWhitespace())"
            if program == "pg_ctl", arguments.first != "status",
                let log = try? String(contentsOfFile: logFile, encoding: .utf8)
            {
                message += "\nlast lines of \(logFile):\n" + log.split(separator: "\n").suffix(10).joined(separator: "\n")
            }
            throw Failure(description: message)
        }
        return text
    }

    /// Debian's layout first (`/usr/lib/postgresql/<version>/bin`, newest version), then `PATH`.
    static func findBinDirectory() -> String? {
        let fm = FileManager.default
        let base = "/usr/lib/postgresql"
        let versions = ((try? fm.contentsOfDirectory(atPath: base)) ?? [])
            .compactMap { name -> (Double, String)? in Double(name).map { ($0, name) } }
            .sorted { $0.0 > $1.0 }
        for (_, name) in versions where fm.isExecutableFile(atPath: "\(base)/\(name)/bin/pg_ctl") {
            return "\(base)/\(name)/bin"
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            if fm.isExecutableFile(atPath: "\(dir)/pg_ctl"), fm.isExecutableFile(atPath: "\(dir)/initdb") {
                return String(dir)
            }
        }
        return nil
    }

    static func absolute(_ path: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }

    static func shortHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 36)
    }
}
