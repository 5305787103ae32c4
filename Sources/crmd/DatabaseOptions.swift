import ArgumentParser
import CRMConfiguration
import CRMPostgres
import CRMServer
import CRMStorage
import Logging

/// Where the database is: shared by every crmd subcommand.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: "PostgreSQL URL or libpq connection string (CRM_DATABASE_URL). Without one, a private cluster runs under --data-dir.")
    var databaseURL: String?

    @Option(name: .customLong("data-dir"), help: "Directory for crmd's own files and private PostgreSQL (CRM_DATA_DIR, default ./.crm).")
    var dataDirectory: String?

    @Option(
        name: .customLong("key-file"),
        help: "The key file (mode 0600) whose keys seal personal data (CRM_KEY_FILE, default <data-dir>/keys.json; make one with crmd keys init).")
    var keyFile: String?

    @Option(
        name: .customLong("database-pooler"),
        help: "none, or transaction when --database-url names a transaction-mode pooler such as PgBouncer (CRM_DATABASE_POOLER, default none).")
    var databasePooler: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (CRM_LOG_LEVEL, default info).")
    var logLevel: String?

    var resolvedURL: String? { databaseURL ?? Environment.value("CRM_DATABASE_URL") }
    var resolvedDataDirectory: String { dataDirectory ?? Environment.value("CRM_DATA_DIR") ?? "./.crm" }
    var resolvedKeyFile: String { keyFile ?? Environment.value("CRM_KEY_FILE") ?? resolvedDataDirectory + "/keys.json" }

    /// What sits between crmd and the database, or a validation error naming the values.
    func resolvedPooler() throws -> PoolerMode {
        let text = databasePooler ?? Environment.value("CRM_DATABASE_POOLER") ?? "none"
        guard let mode = PoolerMode(rawValue: text) else { throw ValidationError("--database-pooler must be none or transaction, not \(text)") }
        return mode
    }

    /// The keys, or a validation error naming what to do.
    func keySource() throws -> KeySource {
        do { return try KeySource(path: resolvedKeyFile) } catch { throw ValidationError(error.description) }
    }

    func bootstrapLogging() throws -> Logger {
        let text = logLevel ?? Environment.value("CRM_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: text) else {
            throw ValidationError("unknown log level \(text)")
        }
        LoggingSystem.bootstrap { label in
            // Client text reaches the log (method names, reasons): escaped and bounded, see EscapingLogHandler.
            var handler = EscapingLogHandler(wrapping: StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        }
        return Logger(label: "crmd")
    }
}
