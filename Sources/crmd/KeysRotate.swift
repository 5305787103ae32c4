import ArgumentParser
import CRMDomain
import CRMPostgres
import CRMServer
import CRMStorage
import Foundation

extension Keys {
    /// `crmd keys rotate`: a new current master key, then every data key rewrapped with it.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new master key current and rewrap every data key with it, while crmd serves.",
            discussion: """
                Writes the new key into the key file first (atomically, mode 0600): back the file up then. Serving
                crmd instances read it within a second. Data keys are rewrapped in committed batches; a rotation
                stopped half-way (killed, or the database gone) is finished by running the command again, which
                makes no further key while data keys are still wrapped with older ones. With --retire, the older
                master keys are removed from the file at the end (crmd keys retire does the same later).
                """)

        @OptionGroup var database: DatabaseOptions
        @Option(name: .customLong("batch-size"), help: "Data keys rewrapped per transaction (default \(KeyRotation.defaultBatchSize)).")
        var batchSize: Int = KeyRotation.defaultBatchSize
        @Flag(help: "Remove the older master keys from the key file once nothing is wrapped with them.")
        var retire = false

        func validate() throws {
            guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 100000") }
        }

        func run() async throws {
            let logger = try database.bootstrapLogging()
            let path = database.resolvedKeyFile
            _ = try database.keySource()
            let setup = try DatabaseSetup.prepare(
                databaseURL: database.resolvedURL, dataDirectory: database.resolvedDataDirectory, statementTimeoutMilliseconds: 0, pooler: try database.resolvedPooler(), logger: logger)
            defer { setup.shutdown(logger: logger) }
            try Migrator(logger: logger).migrate(configuration: setup.configuration)
            let c = try PostgresConnection(configuration: setup.configuration)
            defer { c.close() }
            let (keys, start) = try KeyRotation.start(keyFile: path, connection: c)
            switch start {
            case .newKey(let id):
                say("master key \(id) is now current in \(path): back the file up now (it is needed to read anything rewrapped)")
            case .resume(let id, let pending):
                say("resuming the rotation to master key \(id): \(pending) data keys are still wrapped with older master keys")
            }
            try settle(path)
            let rotation = KeyRotation(connection: c, keys: keys)
            var total = try rotation.rewrapAll(batchSize: batchSize) { say("rewrapped \($0) data keys") }
            // A transaction begun before every instance read the new key may still add a key wrapped with an old one.
            let settled = try rotation.waitForEarlierTransactions(limit: .seconds(120))
            if !settled { say("transactions begun before the rotation are still open after 120 s; run crmd keys rotate again once they end") }
            total += try rotation.rewrapAll(batchSize: batchSize) { say("rewrapped \(total + $0) data keys") }
            let left = try rotation.pending()
            guard left == 0 else { throw ValidationError("\(left) data keys are still wrapped with older master keys; run crmd keys rotate again") }
            say("rewrapped \(total) data keys; every data key is wrapped with master key \(keys.current), none with an older one")
            guard retire else { return }
            // An open transaction may still commit a data key wrapped with an older master key: keep those keys.
            guard settled else { throw ValidationError("older master keys kept: run crmd keys retire once those transactions have ended") }
            try Retire.removeOld(path: path, connection: c)
        }

        /// Waits until every serving instance has had time to read the key file's latest change.
        private func settle(_ path: String) throws {
            let (_, modified) = try KeyFile.read(path)
            let settle = KeyRotation.settleTime
            let wait = modified.addingTimeInterval(Double(settle.components.seconds)).timeIntervalSinceNow
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        }
    }

    /// `crmd keys retire`: drops master keys nothing is wrapped with any more.
    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the older master keys from the key file once no data key is wrapped with them.",
            discussion: """
                Keep a copy of the file as it was for as long as you keep database backups made before the rotation:
                their data keys are wrapped with the older keys.
                """)

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = try database.bootstrapLogging()
            _ = try database.keySource()
            let setup = try DatabaseSetup.prepare(
                databaseURL: database.resolvedURL, dataDirectory: database.resolvedDataDirectory, statementTimeoutMilliseconds: 0, pooler: try database.resolvedPooler(), logger: logger)
            defer { setup.shutdown(logger: logger) }
            let c = try PostgresConnection(configuration: setup.configuration)
            defer { c.close() }
            try Self.removeOld(path: database.resolvedKeyFile, connection: c)
        }

        static func removeOld(path: String, connection: PostgresConnection) throws {
            let removed: [String]
            do { removed = try KeyRotation.retire(keyFile: path, connection: connection) } catch let error as KeyRotationError {
                throw ValidationError(error.description)
            }
            say(removed.isEmpty ? "\(path) holds only the current master key" : "removed master keys \(removed.joined(separator: ", ")) from \(path)")
        }
    }
}

/// A line on standard output at once (progress must show while a long rotation runs, piped or not).
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
