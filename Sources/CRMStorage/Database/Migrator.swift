import CRMDomain
import CRMPostgres
import CRMText
import Logging

/// Applies migrations in order, each in its own transaction, recording them in `schema_migration`.
/// A session advisory lock makes several crmd instances starting at once take turns; the ones
/// that come second find nothing left to do. An applied migration whose text changed is refused.
public struct Migrator: Sendable {
    /// Arbitrary constant identifying crm's migration lock among advisory locks.
    static let lockKey: Int64 = 0x63726d5f6d6967  // "crm_mig"

    public let migrations: [Migration]
    let logger: Logger

    public init(migrations: [Migration] = Migration.embedded, logger: Logger = Logger(label: "crm.migrate")) {
        for (a, b) in zip(migrations, migrations.dropFirst()) {
            precondition(a.version < b.version, "migrations must be in strictly increasing order")
        }
        self.migrations = migrations
        self.logger = logger
    }

    /// Applies what is pending; returns the versions applied now (empty when up to date). With
    /// `keys`, rows written before personal data was sealed are sealed then (`PrivacyBackfill`).
    @discardableResult
    public func migrate(configuration: PostgresConfiguration, keys: KeySource? = nil) throws -> [Int] {
        // Every write folds merchant text (`ScriptFolder`), and identity compares names in pinyin
        // (`ChineseForms`): without OpenCC's data or ICU's transliteration crmd must not start.
        _ = try ChineseForms.load()
        try Self.refusePooler(configuration)
        var settings = configuration
        settings.statementTimeoutMilliseconds = 0
        settings.applicationName = "crmd-migrate"
        let connection = try PostgresConnection(configuration: settings)
        defer { connection.close() }
        try Self.refuseDroppedStartupOptions(connection)
        try connection.query("SELECT pg_advisory_lock($1)", [.int(Self.lockKey)])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [.int(Self.lockKey)]) }
        try connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migration (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """)
        var applied: [Int: String] = [:]
        for row in try connection.query("SELECT version, checksum FROM schema_migration") {
            applied[try row.decode(Int.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        // A key file that does not match the database is refused before anything is applied.
        if let keys, applied[15] != nil { try Self.refuseMissingMasterKeys(connection, keys: keys) }
        var done: [Int] = []
        for migration in migrations {
            let checksum = try connection.query("SELECT md5($1)", [.text(migration.sql)]).single!.decode(String.self, at: 0)
            if let recorded = applied[migration.version] {
                guard recorded == checksum else {
                    throw MigrationError(
                        message: "migration \(migration.version) (\(migration.name)) was changed after it was applied; add a new migration instead")
                }
                continue
            }
            logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            try connection.transaction { c in
                try c.execute(script: migration.sql)
                try c.query(
                    "INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)",
                    [.int(Int64(migration.version)), .text(migration.name), .text(checksum)])
            }
            done.append(migration.version)
        }
        // Rows written before script folding existed are folded now (they need OpenCC, not SQL).
        if migrations.contains(where: { $0.version == 8 }), applied[8] != nil || done.contains(8) {
            try ScriptFoldBackfill(connection: connection, logger: logger).run()
        }
        // Rows written before migration 15 hold personal data in plain text until they are sealed.
        if let keys, migrations.contains(where: { $0.version == 15 }) {
            // Checked before the migrations when 15 was applied already.
            if applied[15] == nil { try Self.refuseMissingMasterKeys(connection, keys: keys) }
            try PrivacyBackfill(connection: connection, codec: PersonalDataCodec(keys: keys), logger: logger).run()
        }
        let known = Set(migrations.map(\.version))
        if let unknown = applied.keys.filter({ !known.contains($0) }).max() {
            logger.warning("the database has a migration this crmd does not know; it is older than the schema", metadata: ["version": "\(unknown)"])
        }
        return done
    }
}

extension Migrator {
    /// Migrations hold a session lock, which a transaction-mode pooler would strand on one of its server connections.
    static func refusePooler(_ configuration: PostgresConfiguration) throws {
        guard configuration.pooler == .none else {
            throw MigrationError(
                message: "migrations hold a session lock, which a transaction-mode pooler cannot keep: "
                    + "run crmd migrate with --database-url naming PostgreSQL itself, without --database-pooler")
        }
    }

    /// A pooler that ignores startup parameters (PgBouncer's `ignore_startup_parameters = options`)
    /// connects, but would hand the session lock's statements to different server connections and
    /// strand the lock: refused before it is taken. The startup options set `client_min_messages`
    /// to `warning`; a session without it did not get them.
    static func refuseDroppedStartupOptions(_ connection: PostgresConnection) throws {
        let level = try connection.query("SELECT current_setting('client_min_messages')").single?.decode(String.self, at: 0)
        guard level == "warning" else {
            throw MigrationError(
                message: "the server did not apply crmd's startup options (client_min_messages is \(level ?? "unset")): "
                    + "a pooler is in between; run crmd migrate against PostgreSQL directly and crmd serve with \(PoolerMode.settingAdvice)")
        }
    }

    /// The versions this crmd knows that the database has not applied, read through any connection
    /// (a pooler's too): what `crmd serve` behind a transaction-mode pooler checks instead of migrating.
    /// Like `migrate`, it refuses to let crmd start without OpenCC's data and ICU's transliteration.
    public func pending(configuration: PostgresConfiguration, keys: KeySource? = nil) throws -> [Int] {
        _ = try ChineseForms.load()
        let connection = try PostgresConnection(configuration: configuration)
        defer { connection.close() }
        let exists = try connection.query("SELECT to_regclass('schema_migration') IS NOT NULL").single!.decode(Bool.self, at: 0)
        let applied = exists ? Set(try connection.query("SELECT version FROM schema_migration").map { try $0.decode(Int.self, at: 0) }) : []
        // A crmd behind a pooler seals with its key file as any other: the same refusal of a wrong one.
        if let keys, applied.contains(15) { try Self.refuseMissingMasterKeys(connection, keys: keys) }
        return migrations.map(\.version).filter { !applied.contains($0) }
    }

    /// Refuses, by name, a key file without a master key the database's data keys are wrapped with,
    /// or with another key under that key's id: crmd would read nothing of theirs, and would seal new
    /// members under a key the other instances lack. Two index probes per master key
    /// (`data_key_master`), not a pass over every data key.
    static func refuseMissingMasterKeys(_ connection: PostgresConnection, keys: KeySource) throws {
        let held = try connection.query(
            """
            WITH RECURSIVE held(id) AS (
                SELECT min(master_key_id) FROM data_key WHERE master_key_id IS NOT NULL
                UNION ALL
                SELECT (SELECT min(master_key_id) FROM data_key WHERE master_key_id > held.id) FROM held WHERE held.id IS NOT NULL)
            SELECT id FROM held WHERE id IS NOT NULL
            """
        )
        .map { try $0.decode(String.self, at: 0) }
        let ring = keys.keyring
        let missing = held.filter { !ring.hasMaster($0) }.sorted()
        guard missing.isEmpty else {
            throw MigrationError(
                message: "the database holds data keys wrapped with master key \(missing.joined(separator: ", ")), which the key file "
                    + "\(keys.path) does not hold: start crmd with the key file that has \(missing.count == 1 ? "it" : "them")")
        }
        // The same id is not the same key (`crmd keys init` names a new file's key m1 again): one data
        // key of each master must open, or crmd would stop at the first member it reads.
        for id in held {
            guard let row = try connection.query("SELECT wrapped FROM data_key WHERE master_key_id = $1 LIMIT 1", [.text(id)]).single else { continue }
            guard ring.opens(WrappedKey(masterKeyID: id, bytes: try row.decode(at: 0))) else {
                throw MigrationError(
                    message: "master key \(id) of the key file \(keys.path) is not the key the database's data keys were wrapped with "
                        + "(a key file made again holds a new key under the same id): start crmd with the key file made for this database")
            }
        }
    }
}

/// A migration could not be applied.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
