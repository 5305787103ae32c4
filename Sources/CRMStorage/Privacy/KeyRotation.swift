import CRMDomain
import CRMPostgres
import Foundation

/// Rewraps members' data keys with the key file's current master key (`crmd keys rotate`, see
/// docs/privacy.md "Key rotation"). Only the wrapping changes: a data key keeps its id and its
/// bytes, so every sealed value stays as it is and readers never wait. Works in committed batches
/// of keys locked with `FOR UPDATE SKIP LOCKED`, so it runs beside serving crmd instances (a key
/// another transaction holds is taken on a later pass), and a rotation killed at any point is
/// finished by running it again: what is still wrapped with an older master key is what is left.
public struct KeyRotation {
    /// Keys rewrapped per transaction unless told otherwise.
    public static let defaultBatchSize = 1_000
    /// How long after the key file changed every serving instance has read it (`KeySource` looks
    /// once a second): data keys wrapped with the new master key are only written after that, so
    /// no instance meets one it cannot unwrap.
    public static var settleTime: Duration { KeySource.recheck * 2 }

    let c: PostgresConnection
    let keyring: Keyring

    /// Rotation towards `keys.current` over `connection` (no transaction open).
    public init(connection: PostgresConnection, keys: KeyFileFormat) {
        c = connection
        keyring = Keyring(keys)
    }

    /// Data keys not destroyed and wrapped with a master key other than the current one.
    public func pending() throws -> Int64 {
        try c.query(
            "SELECT count(*) FROM data_key WHERE master_key_id IS NOT NULL AND master_key_id <> $1", [.text(keyring.currentMasterID)]
        ).single!.decode(at: 0)
    }

    /// The master key ids data keys are wrapped with, with how many each (destroyed keys left out).
    public func masterKeysInUse() throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for row in try c.query("SELECT master_key_id, count(*) FROM data_key WHERE master_key_id IS NOT NULL GROUP BY 1") {
            out[try row.decode(at: 0)] = try row.decode(at: 1)
        }
        return out
    }

    /// One committed batch: up to `size` keys with ids above `after` that wait for rewrapping and no
    /// other transaction holds. Returns how many were rewrapped and the highest id looked at (nil
    /// when none was left above `after`).
    public func batch(after: Int64, size: Int) throws(KeyRotationError) -> (rewrapped: Int, last: Int64?) {
        precondition(size > 0, "a batch rewraps at least one key")
        do {
            return try c.transaction { c in
                let rows = try c.queryPrepared(
                    """
                    SELECT id, master_key_id, wrapped FROM data_key
                    WHERE master_key_id IS NOT NULL AND master_key_id <> $1 AND id > $2
                    ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED
                    """, [.text(keyring.currentMasterID), .int(after), .int(Int64(size))])
                guard !rows.isEmpty else { return (0, nil) }
                var ids: [Int64] = [], wrapped: [String?] = []
                for row in rows {
                    let id: Int64 = try row.decode(at: 0)
                    let old = WrappedKey(masterKeyID: try row.decode(at: 1), bytes: try row.decode(at: 2))
                    guard let key = keyring.unwrap(old) else {
                        throw KeyRotationError(
                            "data key \(id) is wrapped with master key \(old.masterKeyID), which the key file does not hold: put that key back into the file (from its backup) and run again"
                        )
                    }
                    ids.append(id)
                    wrapped.append(Data(keyring.wrap(key).bytes).base64EncodedString())
                }
                let updated = try c.queryPrepared(
                    """
                    UPDATE data_key d SET master_key_id = $1, wrapped = decode(t.w, 'base64')
                    FROM unnest($2::bigint[], $3::text[]) AS t(id, w) WHERE d.id = t.id AND d.master_key_id IS NOT NULL
                    """, [.text(keyring.currentMasterID), .intArray(ids), .textArray(wrapped)])
                // The rows are locked by this transaction: nothing could destroy or rewrap them meanwhile.
                precondition(updated.affectedRows == ids.count, "every locked data key is rewrapped")
                return (ids.count, ids.last)
            }
        } catch let error as KeyRotationError {
            throw error
        } catch {
            throw KeyRotationError("rewrapping data keys failed: \(error)")
        }
    }

    /// Passes that find only keys other transactions hold (0.2 s apart) before a rotation gives up.
    static let maxIdlePasses = 600

    /// Rewraps everything pending, pass after pass (keys other transactions held are met again on
    /// the next pass), until a whole pass finds nothing. `progress` gets the running total after each
    /// batch. Returns how many keys were rewrapped.
    public func rewrapAll(batchSize: Int, progress: (Int) -> Void) throws(KeyRotationError) -> Int {
        var total = 0
        var idle = 0
        while true {
            var after: Int64 = 0
            var thisPass = 0
            while true {
                let (count, last) = try batch(after: after, size: batchSize)
                guard let last else { break }
                after = last
                thisPass += count
                total += count
                progress(total)
            }
            if thisPass == 0, try countPending() == 0 { return total }
            // A pass that rewrapped nothing while keys remain met only locked ones: let their holders finish.
            guard thisPass == 0 else { continue }
            idle += 1
            guard idle < Self.maxIdlePasses else {
                throw KeyRotationError("other transactions have held the last data keys for 2 minutes; run crmd keys rotate again to finish")
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    private func countPending() throws(KeyRotationError) -> Int64 {
        do { return try pending() } catch { throw KeyRotationError("counting data keys failed: \(error)") }
    }

    /// Waits until every transaction of this database that began before now has ended (at most
    /// `limit`): one begun earlier may have wrapped a new data key with a master key read before
    /// the key file changed, and commit it after a pass went by. Returns whether they all ended.
    public func waitForEarlierTransactions(limit: Duration) throws -> Bool {
        let cutoff: String = try c.query("SELECT now()::text").single!.decode(at: 0)
        let deadline = ContinuousClock.now + limit
        while true {
            let open: Int64 = try c.query(
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start < $1::timestamptz
                """, [.text(cutoff)]
            ).single!.decode(at: 0)
            if open == 0 { return true }
            if ContinuousClock.now >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}

extension KeyRotation {
    /// Where a rotation starts.
    public enum Start: Sendable, Equatable {
        /// A new master key was made current and written to the key file.
        case newKey(String)
        /// The current master key is the one a rotation that stopped half-way made: data keys are
        /// still wrapped with older ones (`pending` of them), so no further key is made.
        case resume(String, pending: Int64)
    }

    /// Reads the key file at `path` and either resumes the rotation it is in the middle of, or
    /// makes a new current master key and writes the file (atomically, mode 0600). Returns the keys
    /// to rotate with.
    public static func start(keyFile path: String, connection: PostgresConnection) throws -> (KeyFileFormat, Start) {
        let (keys, _) = try KeyFile.read(path)
        let waiting = try KeyRotation(connection: connection, keys: keys).pending()
        if waiting > 0 { return (keys, .resume(keys.current, pending: waiting)) }
        let next = keys.rotated()
        try KeyFile.write(next, to: path, replacing: true)
        return (next, .newKey(next.current))
    }

    /// Removes from the key file at `path` every master key but the current one, once no data key
    /// is wrapped with any of them; returns the ids removed. Refused while one is still in use.
    public static func retire(keyFile path: String, connection: PostgresConnection) throws -> [String] {
        let (keys, _) = try KeyFile.read(path)
        let inUse = try KeyRotation(connection: connection, keys: keys).masterKeysInUse().filter { $0.key != keys.current }
        guard inUse.isEmpty else {
            let list = inUse.sorted { $0.key < $1.key }.map { "\($0.value) under \($0.key)" }.joined(separator: ", ")
            throw KeyRotationError("data keys are still wrapped with older master keys (\(list)): run crmd keys rotate to the end first")
        }
        let old = keys.master.keys.filter { $0 != keys.current }.sorted()
        guard !old.isEmpty else { return [] }
        try KeyFile.write(
            KeyFileFormat(current: keys.current, master: [keys.current: keys.master[keys.current]!], index: keys.index), to: path, replacing: true)
        return old
    }
}

/// Why a rotation stopped, in words for the operator.
public struct KeyRotationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
